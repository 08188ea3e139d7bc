import Testing
@testable import Service

@Suite struct LicenceTests {
    @Test func theLicenceParagraphIsReportedOnOneLine() {
        let notice = "Derived from X.\nMore about X.\n\nWeights: free for research;\nCOMMERCIAL USE needs a licence.\n\nVocab: Apache-2.0 License."
        #expect(LoadedModel.licenceParagraph(notice) == "Weights: free for research; COMMERCIAL USE needs a licence.")
        #expect(LoadedModel.licenceParagraph("Just a note.\n") == "Just a note.")
        #expect(LoadedModel.licenceParagraph("\n\n") == nil)
    }
}
