import Testing

@testable import Tasks

@Test(arguments: [(1, 8, 2), (8, 8, 2), (9, 8, 2), (40, 8, 3), (41, 10, 0), (100, 7, 6)])
func stridedWindowsCoverEveryTokenOnceFromItsMostCentralWindow(count: Int, capacity: Int, stride: Int) throws {
    let windows = try TokenWindows.strided(count: count, capacity: capacity, stride: stride)
    #expect(windows.owner.count == count)
    #expect(windows.ranges.first?.lowerBound == 0 && windows.ranges.last?.upperBound == count)
    for range in windows.ranges { #expect(range.count == min(capacity, count)) }
    for (a, b) in zip(windows.ranges, windows.ranges.dropFirst()) {
        #expect(a.upperBound - b.lowerBound >= stride, "consecutive windows share at least the stride")
        #expect(b.lowerBound > a.lowerBound)
    }
    func margin(_ token: Int, _ range: Range<Int>) -> Int { min(token - range.lowerBound, range.upperBound - 1 - token) }
    for token in 0..<count {
        let owner = windows.ranges[windows.owner[token]]
        #expect(owner.contains(token))
        for range in windows.ranges where range.contains(token) { #expect(margin(token, owner) >= margin(token, range)) }
    }
}

@Test func stridedWindowsRejectBadStrides() {
    #expect(throws: TaskError.self) { try TokenWindows.strided(count: 10, capacity: 4, stride: 4) }
    #expect(throws: TaskError.self) { try TokenWindows.strided(count: 10, capacity: 0, stride: 0) }
}

@Test func sentencesArePackedWithoutOverlap() throws {
    let windows = try TokenWindows.sentences([0..<3, 3..<5, 5..<12, 12..<13, 13..<14], capacity: 5)
    // 0..<3 + 3..<5 fill a window; 5..<12 is cut at 10; its rest shares a window with the next sentences.
    #expect(windows.ranges == [0..<5, 5..<10, 10..<14])
    #expect(windows.owner == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2])
    #expect(try TokenWindows.sentences([], capacity: 5).ranges == [0..<0])
}
