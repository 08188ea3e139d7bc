import Testing
@testable import JSON

@Suite struct RoundTripTests {
    @Test(arguments: [
        ("null", JSON.null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .integer(0)),
        ("-42", .integer(-42)),
        ("9223372036854775807", .integer(.max)),
        ("-9223372036854775808", .integer(.min)),
        ("1.5", .double(1.5)),
        ("-0.0", .double(-0.0)),
        ("1e+300", .double(1e300)),
        ("5e-324", .double(.leastNonzeroMagnitude)),
        ("\"hi\"", .string("hi")),
        ("[]", .array([])),
        ("{}", .object([:])),
        ("[1,\"a\",null,[true]]", .array([1, "a", nil, [true]])),
        ("{\"b\":1,\"a\":[2.5,{}]}", .object(["b": 1, "a": [2.5, [:]]])),
    ])
    func parsesAndWritesEachType(text: String, value: JSON) throws {
        #expect(try JSON.parse(text) == value)
        #expect(value.serializedString == text)
        #expect(try JSON.parse(value.serialized()) == value)
    }

    @Test func keepsMemberOrder() throws {
        let value = try JSON.parse(#"{"z":1,"a":2,"m":3,"b":4}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m", "b"])
        #expect(value.serializedString == #"{"z":1,"a":2,"m":3,"b":4}"#)
    }

    @Test func lastDuplicateWinsAtFirstPosition() throws {
        let value = try JSON.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
        #expect(value.serializedString == #"{"a":3,"b":2}"#)
    }
}
