import EvidentCorpus
import Foundation
import Testing

/// Hands out the bytes a few at a time, so that every token boundary falls inside and across chunks.
private struct SmallChunks: ByteChunkSource {
    var bytes: [UInt8]
    var size: Int
    var offset = 0

    mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        defer { offset += size }
        return Array(bytes[offset..<min(bytes.count, offset + size)])
    }
}

/// Every event of `text`, read `chunkSize` bytes at a time (all at once when `nil`).
private func events(_ text: String, chunkSize: Int? = nil) throws(XMLParseError) -> [XMLEvent] {
    var output: [XMLEvent] = []
    if let chunkSize {
        var parser = XMLPullParser(source: SmallChunks(bytes: Array(text.utf8), size: chunkSize))
        while let event = try parser.next() { output.append(event) }
    } else {
        var parser = XMLPullParser(source: WholeBytes(Array(text.utf8)))
        while let event = try parser.next() { output.append(event) }
    }
    return output
}

/// The parse error of `text`, recorded as a failure when it parses.
private func parseError(_ text: String) -> XMLParseError? {
    do {
        _ = try events(text)
        Issue.record("expected an XMLParseError for \(text.debugDescription)")
    } catch {
        return error
    }
    return nil
}

@Suite struct XMLPullParserTests {
    static let document = """
        \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE set PUBLIC "-//X//DTD Y//EN" "y.dtd" [ <!ENTITY z "]>"> ]>
        <set a="1 &amp; 2" b='&quot;q&quot;'>
          <!-- a comment with <tags> -->
          <item id="x&#x41;">T&lt;5 &#946;-blockers &ndash; &unknown; <i>in</i> <![CDATA[a <b> & c]]></item>
          <?pi stays out?>
          <empty/>
        </set>
        """

    @Test func eventsCarryNamesAttributesAndDecodedText() throws {
        let texts = try events(Self.document).compactMap { event -> String? in
            if case .text(let text) = event, !text.allSatisfy(\.isWhitespace) { text } else { nil }
        }
        #expect(texts == ["T<5 β-blockers – &unknown; ", "in", "a <b> & c"])
        let starts = try events(Self.document).compactMap { event -> String? in
            if case .start(let name, let attributes) = event {
                name + attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            } else {
                nil
            }
        }
        #expect(starts == ["set a=1 & 2 b=\"q\"", "item id=xA", "i", "empty"])
        let ends = try events(Self.document).compactMap { event -> String? in
            if case .end(let name) = event { name } else { nil }
        }
        #expect(ends == ["i", "item", "empty", "set"])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64])
    func chunkBoundariesChangeNothing(chunkSize: Int) throws {
        #expect(try events(Self.document, chunkSize: chunkSize) == events(Self.document))
    }

    @Test func elementTreesCollectText() throws {
        var parser = XMLPullParser(
            source: WholeBytes(Array("<a x='1'>\n  <b>one\n two</b><c><b>three</b></c></a>".utf8)))
        guard case .start(let name, let attributes)? = try parser.next() else {
            Issue.record("no start event")
            return
        }
        let tree = try parser.element(named: name, attributes: attributes, line: parser.startTagLine)
        #expect(tree.text == "one twothree")  // no space between elements that the file does not space
        #expect(tree.first("b")?.text == "one two")
        #expect(tree.first(path: "c/b")?.text == "three")
        #expect(tree.all("b").count == 1)
        #expect(tree.descendants(named: ["b"]).count == 2)
        #expect(tree.first("c")?.line == 3)
        #expect(try parser.next() == nil)
    }

    @Test(arguments: [
        ("<a><b></a>", 1, "</a> does not close <b> opened on line 1"),
        ("<a>\n<b>text", 2, "the file ends inside <b> opened on line 2 (is it truncated?)"),
        ("<a></a><a></a>", 1, "a second root element <a>"),
        ("<a></a>tail", 1, "text outside the root element"),
        ("<a>\n<!-- never closed", 2, "the comment opened on line 2 never closes"),
        ("<a b=c></a>", 1, "the value of attribute 'b' of <a> is not quoted"),
        ("<a><b c=\"1\"</b></a>", 1, "'<' inside a tag (a tag left unclosed?)"),
        (
            "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 1,
            "the file declares the encoding ISO-8859-1; Evident reads UTF-8 XML only"
        ),
        ("", 1, "the file holds no XML element"),
    ])
    func malformedInputIsAnErrorWithItsPlace(text: String, line: Int, reason: String) {
        let error = parseError(text)
        #expect(error?.reason == reason)
        #expect(error?.line == line)
    }

    @Test func columnsPointAtTheFault() {
        let error = parseError("<a>\n  <b x=1></b></a>")
        #expect(error?.line == 2)
        #expect(error?.column == 8)
    }

    @Test func utf16IsRefusedWithAFix() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<a/>".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        var parser = XMLPullParser(source: WholeBytes(bytes))
        #expect(throws: XMLParseError.self) { _ = try parser.next() }
    }
}
