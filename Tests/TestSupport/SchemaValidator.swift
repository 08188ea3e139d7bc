import Foundation
import JSON

/// One way an instance fails a JSON Schema: where (a JSON pointer into the instance), which keyword, why.
///
/// For `required` and `additionalProperties` the path names the member at fault (the missing or the
/// unexpected one), not the object holding it, so it can be compared with the daemon's `data.field`.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// A JSON pointer (RFC 6901) into the instance: `""` for the root, `/texts/1`.
    public var path: String
    /// The schema keyword that failed: `type`, `required`, `oneOf`, ...
    public var keyword: String
    /// A human-readable explanation.
    public var message: String

    /// A violation at `path`.
    public init(path: String, keyword: String, message: String) {
        self.path = path
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(root)" : path): \(keyword): \(message)" }
}

/// A schema file or reference that cannot be used.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A set of JSON Schema (2020-12) documents that refer to each other by file name, and a validator for
/// the subset of the vocabulary that bertd's schemas use.
///
/// Supported: `type` (with `integer` for integral numbers), `properties`, `required`,
/// `additionalProperties` (boolean or schema), `items`, `prefixItems`, `enum`, `const`, `minimum`,
/// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength` (in code points),
/// `minItems`, `maxItems`, `allOf`, `anyOf`, `oneOf`, `$ref` (`#/pointer`, `file.json`,
/// `file.json#/pointer`) and `$defs`; annotations (`title`, `description`, `$comment`, `x-*`, ...) are
/// ignored. `wellFormednessProblems()` refuses anything else, so a schema can never silently rely on a
/// keyword this validator skips.
public struct SchemaSet: Sendable {
    /// The documents by file name (`annotate-tokenize.params.json`).
    public let documents: [String: JSON]

    /// A set over already-parsed documents.
    public init(documents: [String: JSON]) {
        self.documents = documents
    }

    // MARK: - Validating

    /// The violations of `instance` against the schema that `reference` names (`file.json` or
    /// `file.json#/pointer`); empty when it is valid.
    /// - Throws: `SchemaError` when the reference does not resolve.
    public func validate(_ instance: JSON, against reference: String) throws -> [SchemaViolation] {
        guard let (document, schema) = resolve(reference, from: "") else {
            throw SchemaError("cannot resolve \(reference)")
        }
        var violations: [SchemaViolation] = []
        check(instance, schema, document: document, path: "", depth: 0, into: &violations)
        return violations
    }

    private static let maxDepth = 64

    private func check(_ instance: JSON, _ schema: JSON, document: String, path: String, depth: Int,
                       into violations: inout [SchemaViolation]) {
        func fail(_ keyword: String, _ message: String, at where: String? = nil) {
            violations.append(SchemaViolation(path: `where` ?? path, keyword: keyword, message: message))
        }
        switch schema {
        case .bool(true): return
        case .bool(false): return fail("false", "no value is allowed here")
        case .object: break
        default: return fail("schema", "the schema is a \(schema.typeName), not an object or boolean")
        }
        // A cycle of references without progress in the instance would otherwise never end.
        guard depth < Self.maxDepth else { return fail("$ref", "references nest deeper than \(Self.maxDepth)") }

        if let reference = schema["$ref"]?.stringValue {
            if let (target, resolved) = resolve(reference, from: document) {
                check(instance, resolved, document: target, path: path, depth: depth + 1, into: &violations)
            } else {
                fail("$ref", "unresolved reference \(reference)")
            }
        }
        if let expected = schema["type"] {
            let names = expected.arrayValue?.compactMap(\.stringValue) ?? expected.stringValue.map { [$0] } ?? []
            if !names.contains(where: { Self.hasType(instance, $0) }) {
                fail("type", "expected \(names.joined(separator: " or ")), got \(instance.typeName)")
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, instance) }) {
            fail("enum", "\(instance.serializedString) is not one of \(JSON.array(options).serializedString)")
        }
        if let constant = schema["const"], !Self.equal(constant, instance) {
            fail("const", "expected \(constant.serializedString), got \(instance.serializedString)")
        }
        switch instance {
        case .integer, .double:
            checkNumber(instance.doubleValue ?? 0, schema, fail: { fail($0, $1) })
        case .string(let string):
            let length = string.unicodeScalars.count
            if let minimum = schema["minLength"]?.intValue, length < minimum {
                fail("minLength", "\(length) characters, fewer than \(minimum)")
            }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                fail("maxLength", "\(length) characters, more than \(maximum)")
            }
        case .array(let elements):
            checkArray(elements, schema, document: document, path: path, depth: depth, into: &violations)
        case .object(let object):
            checkObject(object, schema, document: document, path: path, depth: depth, into: &violations)
        case .null, .bool:
            break
        }
        for part in schema["allOf"]?.arrayValue ?? [] {
            check(instance, part, document: document, path: path, depth: depth + 1, into: &violations)
        }
        if let alternatives = schema["anyOf"]?.arrayValue {
            let outcomes = alternatives.map { outcome(instance, $0, document: document, path: path, depth: depth) }
            if !outcomes.contains(where: \.isEmpty) {
                fail("anyOf", "matches none of \(alternatives.count) alternatives: \(Self.summary(outcomes))")
            }
        }
        if let alternatives = schema["oneOf"]?.arrayValue {
            let outcomes = alternatives.map { outcome(instance, $0, document: document, path: path, depth: depth) }
            let matching = outcomes.filter(\.isEmpty).count
            if matching == 0 {
                fail("oneOf", "matches none of \(alternatives.count) alternatives: \(Self.summary(outcomes))")
            } else if matching > 1 {
                fail("oneOf", "matches \(matching) of \(alternatives.count) alternatives; exactly one must match")
            }
        }
    }

    /// The violations of one alternative of `anyOf` or `oneOf`, checked apart from the rest.
    private func outcome(_ instance: JSON, _ schema: JSON, document: String, path: String, depth: Int) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        check(instance, schema, document: document, path: path, depth: depth + 1, into: &violations)
        return violations
    }

    private static func summary(_ outcomes: [[SchemaViolation]]) -> String {
        outcomes.enumerated().map { "[\($0.offset)] \($0.element.first?.description ?? "ok")" }.joined(separator: "; ")
    }

    private func checkNumber(_ value: Double, _ schema: JSON, fail: (String, String) -> Void) {
        if let bound = schema["minimum"]?.doubleValue, value < bound { fail("minimum", "\(value) is less than \(bound)") }
        if let bound = schema["maximum"]?.doubleValue, value > bound { fail("maximum", "\(value) is greater than \(bound)") }
        if let bound = schema["exclusiveMinimum"]?.doubleValue, value <= bound {
            fail("exclusiveMinimum", "\(value) is not greater than \(bound)")
        }
        if let bound = schema["exclusiveMaximum"]?.doubleValue, value >= bound {
            fail("exclusiveMaximum", "\(value) is not less than \(bound)")
        }
    }

    private func checkArray(_ elements: [JSON], _ schema: JSON, document: String, path: String, depth: Int,
                            into violations: inout [SchemaViolation]) {
        if let minimum = schema["minItems"]?.intValue, elements.count < minimum {
            violations.append(SchemaViolation(path: path, keyword: "minItems", message: "\(elements.count) items, fewer than \(minimum)"))
        }
        if let maximum = schema["maxItems"]?.intValue, elements.count > maximum {
            violations.append(SchemaViolation(path: path, keyword: "maxItems", message: "\(elements.count) items, more than \(maximum)"))
        }
        let prefix = schema["prefixItems"]?.arrayValue ?? []
        for (index, element) in elements.enumerated() {
            // 2020-12: `items` applies only to the elements after those `prefixItems` describes.
            guard let itemSchema = index < prefix.count ? prefix[index] : schema["items"] else { continue }
            check(element, itemSchema, document: document, path: path + "/\(index)", depth: depth + 1, into: &violations)
        }
    }

    private func checkObject(_ object: JSONObject, _ schema: JSON, document: String, path: String, depth: Int,
                             into violations: inout [SchemaViolation]) {
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            violations.append(SchemaViolation(path: path + "/" + Self.escape(name), keyword: "required",
                                              message: "missing required member \"\(name)\""))
        }
        for (name, value) in object {
            let memberPath = path + "/" + Self.escape(name)
            if let propertySchema = properties[name] {
                check(value, propertySchema, document: document, path: memberPath, depth: depth + 1, into: &violations)
            } else if let additional = schema["additionalProperties"] {
                if additional == .bool(false) {
                    violations.append(SchemaViolation(path: memberPath, keyword: "additionalProperties",
                                                      message: "unknown member \"\(name)\""))
                } else {
                    check(value, additional, document: document, path: memberPath, depth: depth + 1, into: &violations)
                }
            }
        }
    }

    /// Whether `value` is of the JSON Schema type `name`; integral floating-point numbers are integers too.
    static func hasType(_ value: JSON, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
             ("number", .integer), ("number", .double), ("integer", .integer):
            true
        case ("integer", .double(let double)):
            double.isFinite && double.rounded() == double
        default:
            false
        }
    }

    /// JSON Schema equality: numbers compare by value (`1 == 1.0`), objects ignore member order.
    static func equal(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.integer, .double), (.double, .integer):
            return lhs.doubleValue == rhs.doubleValue
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    // MARK: - References

    /// The document and schema that `reference` names, read relative to `document` (the current file).
    public func resolve(_ reference: String, from document: String) -> (document: String, schema: JSON)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let file = parts.first.map(String.init) ?? ""
        let target = file.isEmpty ? document : file
        guard let root = documents[target] else { return nil }
        guard parts.count > 1, !parts[1].isEmpty else { return (target, root) }
        guard let value = Self.value(at: String(parts[1]), in: root) else { return nil }
        return (target, value)
    }

    /// The value a JSON pointer (`/a/b~1c/0`) names inside `root`.
    public static func value(at pointer: String, in root: JSON) -> JSON? {
        guard pointer.hasPrefix("/") else { return pointer.isEmpty ? root : nil }
        var current = root
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(key), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// `name` as one JSON-pointer token.
    public static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    // MARK: - Well-formedness

    /// Keywords the validator applies.
    static let assertions: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "prefixItems", "enum", "const",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems",
        "maxItems", "allOf", "anyOf", "oneOf", "$ref", "$defs",
    ]
    /// Keywords that change nothing about validity.
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    ]
    static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// Everything wrong with the schema documents as schemas of the supported subset: unknown keywords,
    /// keyword values of the wrong shape, references that do not resolve, required members that
    /// `additionalProperties: false` would forbid. Documents listed in `except` (e.g. `openrpc.json`, which
    /// is not a schema) only have their `$ref`s checked.
    public func wellFormednessProblems(except: Set<String> = []) -> [String] {
        var problems: [String] = []
        for name in documents.keys.sorted() {
            guard let root = documents[name] else { continue }
            if except.contains(name) {
                checkReferences(in: root, document: name, at: "", into: &problems)
            } else {
                lint(root, document: name, at: "", into: &problems)
            }
        }
        return problems
    }

    private func checkReferences(in value: JSON, document: String, at pointer: String, into problems: inout [String]) {
        switch value {
        case .object(let object):
            for (key, member) in object {
                if key == "$ref" {
                    guard let reference = member.stringValue else {
                        problems.append("\(document)#\(pointer): $ref is not a string")
                        continue
                    }
                    if resolve(reference, from: document) == nil {
                        problems.append("\(document)#\(pointer): $ref \(reference) does not resolve")
                    }
                } else {
                    checkReferences(in: member, document: document, at: pointer + "/" + Self.escape(key), into: &problems)
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                checkReferences(in: element, document: document, at: pointer + "/\(index)", into: &problems)
            }
        default:
            break
        }
    }

    private func lint(_ schema: JSON, document: String, at pointer: String, into problems: inout [String]) {
        func problem(_ text: String, at place: String = "") { problems.append("\(document)#\(pointer)\(place): \(text)") }
        func subschema(_ value: JSON, _ suffix: String) {
            lint(value, document: document, at: pointer + suffix, into: &problems)
        }
        if case .bool = schema { return }
        guard case .object(let object) = schema else { return problem("a schema must be an object or a boolean") }
        for (key, value) in object {
            let place = "/" + Self.escape(key)
            switch key {
            case _ where Self.annotations.contains(key) || key.hasPrefix("x-"):
                continue
            case "type":
                let names = value.arrayValue ?? [value]
                if names.isEmpty || !names.allSatisfy({ $0.stringValue.map(Self.typeNames.contains) ?? false }) {
                    problem("type must be a type name or a non-empty list of them, got \(value.serializedString)", at: place)
                }
            case "properties", "$defs":
                guard let members = value.objectValue else { problem("\(key) must be an object", at: place); continue }
                for (name, member) in members { subschema(member, place + "/" + Self.escape(name)) }
            case "required":
                let names = value.arrayValue?.compactMap(\.stringValue)
                if names == nil || names?.count != value.arrayValue?.count || Set(names ?? []).count != names?.count {
                    problem("required must be a list of distinct strings", at: place)
                }
                if object["additionalProperties"] == .bool(false) {
                    let declared = Set(object["properties"]?.objectValue?.keys ?? [])
                    for name in names ?? [] where !declared.contains(name) {
                        problem("\"\(name)\" is required but additionalProperties: false forbids it", at: place)
                    }
                }
            case "additionalProperties", "items":
                subschema(value, place)
            case "prefixItems", "allOf", "anyOf", "oneOf":
                guard let parts = value.arrayValue, !parts.isEmpty else { problem("\(key) must be a non-empty list", at: place); continue }
                for (index, part) in parts.enumerated() { subschema(part, place + "/\(index)") }
            case "enum":
                if (value.arrayValue ?? []).isEmpty { problem("enum must be a non-empty list", at: place) }
            case "const":
                continue
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                if value.doubleValue == nil { problem("\(key) must be a number", at: place) }
            case "minLength", "maxLength", "minItems", "maxItems":
                if (value.intValue ?? -1) < 0 { problem("\(key) must be a non-negative integer", at: place) }
            case "$ref":
                guard let reference = value.stringValue else { problem("$ref must be a string", at: place); continue }
                if resolve(reference, from: document) == nil { problem("$ref \(reference) does not resolve", at: place) }
            default:
                problem("keyword \"\(key)\" is not supported by this validator", at: place)
            }
        }
    }
}

// MARK: - Loading

/// bertd's schema files under `Schemas/`.
public enum Schemas {
    /// `<package root>/Schemas`.
    public static var directory: URL { Fixtures.packageRoot.appendingPathComponent("Schemas") }

    /// Every `*.json` file in `directory`, parsed, by file name.
    /// - Throws: `SchemaError` naming a file that cannot be read or parsed.
    public static func load(from directory: URL = Schemas.directory) throws -> SchemaSet {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        var documents: [String: JSON] = [:]
        for name in names {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            do {
                documents[name] = try JSON.parse(Array(data))
            } catch {
                throw SchemaError("\(name): \(error)")
            }
        }
        return SchemaSet(documents: documents)
    }

    /// The file stem of a method's schemas: `/` becomes `-` (`annotate/tokenize` → `annotate-tokenize`), and
    /// the `$/` of protocol notifications is dropped (`$/cancelRequest` → `cancelRequest`).
    public static func stem(of method: String) -> String {
        let name = method.hasPrefix("$/") ? String(method.dropFirst(2)) : method
        return name.replacingOccurrences(of: "/", with: "-")
    }

    /// The JSON pointer for a daemon `data.field` path: `params.texts[3]` → `/texts/3`,
    /// `params["odd key"]` → `/odd key` (escaped); nil when the path is not under `params`.
    public static func pointer(fromField field: String) -> String? {
        guard field.hasPrefix("params") else { return nil }
        var rest = Substring(field.dropFirst("params".count))
        var pointer = ""
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                pointer += "/" + SchemaSet.escape(String(name))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = closingBracket(of: rest) else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside.first == "\"" {
                    guard let key = (try? JSON.parse("[\(inside)]"))?[0]?.stringValue else { return nil }
                    pointer += "/" + SchemaSet.escape(key)
                } else {
                    guard let index = Int(inside) else { return nil }
                    pointer += "/\(index)"
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        return pointer
    }

    /// The `]` ending a `[...]` segment, skipping brackets inside a quoted key.
    private static func closingBracket(of segment: Substring) -> Substring.Index? {
        var inString = false
        var escaped = false
        for index in segment.indices.dropFirst() {
            let character = segment[index]
            if escaped { escaped = false; continue }
            switch character {
            case "\\" where inString: escaped = true
            case "\"": inString.toggle()
            case "]" where !inString: return index
            default: break
            }
        }
        return nil
    }
}
