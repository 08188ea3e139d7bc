import Testing
@testable import JSON

@Suite struct UnicodeTests {
    @Test(arguments: [
        ("\"中文字符\"", "中文字符"),
        ("\"😀👍🏽\"", "😀👍🏽"),
        ("\"\\u4e2d\\u6587\"", "中文"),
        ("\"\\ud83d\\ude00\"", "😀"),
        ("\"\\u00e9e\\u0301\"", "ée\u{301}"),
        ("\"a\\u0000b\"", "a\u{0}b"),
        ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\u{8}\u{c}\n\r\t"),
    ])
    func decodesText(json: String, text: String) throws {
        let value = try JSON.parse(json)
        #expect(value == .string(text))
        #expect(value.stringValue?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
        #expect(try JSON.parse(value.serialized()) == value)
    }

    @Test func writesNonASCIIUnescapedAndControlsEscaped() {
        let value = JSON.string("中😀\u{0}\u{1}\u{1F}\u{7F}\"\\/\u{8}\u{C}\n\r\t")
        #expect(value.serializedString == "\"中😀\\u0000\\u0001\\u001F\u{7F}\\\"\\\\/\\b\\f\\n\\r\\t\"")
    }

    @Test func keysKeepTheirBytes() throws {
        let value: JSON = ["中文": 1, "😀": [2], "a\"b": nil]
        let text = value.serializedString
        #expect(text == #"{"中文":1,"😀":[2],"a\"b":null}"#)
        #expect(try JSON.parse(text) == value)
    }

    /// jansson can store such keys but refuses to read them back; writing them is still well-formed JSON.
    @Test func keysWithNULAreWrittenButNotRead() {
        let value: JSON = ["a\u{0}b": 1]
        #expect(value.serializedString == #"{"a\u0000b":1}"#)
        #expect(throws: JSONParseError.self) { try JSON.parse(value.serialized()) }
    }
}

@Suite struct NumberTests {
    @Test(arguments: [
        0.1, -0.0, 1e300, -1e300, 1e-300, Double.leastNonzeroMagnitude, Double.leastNormalMagnitude,
        Double.leastNormalMagnitude.nextDown, Double.greatestFiniteMagnitude, 1.0 / 3.0, 9007199254740993.0,
        123456789.125, 1e16, 1e-5, 2.5e-8, .pi,
    ])
    func doublesRoundTripBitExactly(_ double: Double) throws {
        let text = JSON.double(double).serializedString
        let parsed = try #require(try JSON.parse(text).doubleValue)
        #expect(parsed.bitPattern == double.bitPattern, "\(text)")
        #expect(text.contains(".") || text.contains("e"), "a double must not read back as an integer: \(text)")
    }

    @Test func writesTheShortestForm() {
        #expect(JSON.double(0.1).serializedString == "0.1")
        #expect(JSON.double(100).serializedString == "100.0")
        #expect(JSON.double(1e300).serializedString == "1e+300")
        #expect(JSON(Float(0.1)).serializedString == "0.1")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func nonFiniteDoublesAreWrittenAsNull(_ double: Double) throws {
        #expect(JSON.double(double).serializedString == "null")
        #expect(JSON.array([.double(double), 1]).serializedString == "[null,1]")
    }

    @Test func integersAndDoublesStayApart() throws {
        #expect(try JSON.parse("3") == .integer(3))
        #expect(try JSON.parse("3.0") == .double(3))
        #expect(try JSON.parse("3e0") == .double(3))
        #expect(try JSON.parse("-0") == .integer(0))
        #expect(JSON.integer(3) != JSON.double(3))
        #expect(try JSON.parse("[3, 3.0]").serializedString == "[3,3.0]")
    }

    @Test func integersBeyondInt64AreErrorsNotRoundedDoubles() {
        #expect(throws: JSONParseError.self) { try JSON.parse("9223372036854775808") }
        #expect(throws: JSONParseError.self) { try JSON.parse("-9223372036854775809") }
        #expect(throws: JSONParseError.self) { try JSON.parse("[1e309]") }
        #expect((try? JSON.parse("1e-400")) == .double(0))
    }
}

@Suite struct AccessorTests {
    let value: JSON = ["name": "x", "n": 3, "f": 2.5, "ok": true, "list": [1, "two"], "nested": ["k": nil]]

    @Test func readsMembersAndElements() {
        #expect(value["name"]?.stringValue == "x")
        #expect(value["n"]?.intValue == 3)
        #expect(value["n"]?.doubleValue == 3)
        #expect(value["f"]?.doubleValue == 2.5)
        #expect(value["f"]?.intValue == nil)
        #expect(value["ok"]?.boolValue == true)
        #expect(value["list"]?[1] == "two")
        #expect(value["list"]?[2] == nil)
        #expect(value["list"]?[-1] == nil)
        #expect(value["nested"]?["k"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
        #expect(value["list"]?.arrayValue?.count == 2)
        #expect(value["nested"]?.objectValue?.keys == ["k"])
    }

    @Test(arguments: [
        (JSON.null, "null"), (true, "boolean"), (1, "integer"), (1.5, "number"), ("s", "string"), ([], "array"),
        ([:], "object"),
    ] as [(JSON, String)])
    func namesTypes(_ value: JSON, _ name: String) {
        #expect(value.typeName == name)
    }
}

@Suite struct JSONObjectTests {
    @Test func setAppendsReplacesInPlaceAndRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["c"] = 3
        object["a"] = 10
        #expect(object.keys == ["a", "b", "c"])
        #expect(object.values == [10, 2, 3])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["b"] == nil)
        #expect(object.count == 2)
        #expect(Array(object.map(\.key)) == ["a", "c"])
    }

    @Test func duplicatePairsKeepFirstPositionLastValue() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    /// Big objects switch to a hashed index; lookups and order must not change when they do.
    @Test func largeObjectsBehaveLikeSmallOnes() throws {
        var object = JSONObject()
        for index in 0..<100 { object["k\(index)"] = JSON(index) }
        object["k5"] = "five"
        object["k50"] = nil
        #expect(object.count == 99)
        #expect(object["k5"] == "five")
        #expect(object["k99"] == 99)
        #expect(object["k50"] == nil)
        #expect(object.keys.first == "k0" && object.keys.last == "k99")
        #expect(object.keys.firstIndex(of: "k51") == 50)
        object["k50"] = 0
        #expect(object.keys.last == "k50")
        let parsed = try JSON.parse(JSON.object(object).serialized())
        #expect(parsed.objectValue?.keys == object.keys)
    }

    @Test func equalityIgnoresOrderButOrderIsVisible() {
        let forward: JSONObject = ["a": 1, "b": 2]
        let backward: JSONObject = ["b": 2, "a": 1]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forward.keys != backward.keys)
        #expect(forward != ["a": 1, "b": 3])
        #expect(forward != ["a": 1, "c": 2])
        #expect(Set([JSON.object(forward), .object(backward)]).count == 1)
    }
}
