/// Element types a checkpoint file may store. Only `float32`, `float16` and `bfloat16` can be served;
/// the others are listed so that a file holding them opens and names them in errors.
public enum StoredElementType: String, Sendable, CaseIterable {
    case float64 = "F64"
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case float8E4M3 = "F8_E4M3"
    case float8E5M2 = "F8_E5M2"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint64 = "U64"
    case uint32 = "U32"
    case uint16 = "U16"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64, .uint64: 8
        case .float32, .int32, .uint32: 4
        case .float16, .bfloat16, .int16, .uint16: 2
        case .float8E4M3, .float8E5M2, .int8, .uint8, .bool: 1
        }
    }

    /// Whether tensors of this type can be served as fp32.
    public var isSupported: Bool {
        self == .float32 || self == .float16 || self == .bfloat16
    }
}
