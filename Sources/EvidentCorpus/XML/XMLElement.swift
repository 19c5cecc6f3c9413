/// An element of an XML document and everything inside it: what a reader builds for one record (a PubMed article,
/// a JATS article) out of the parser's events, never for a whole file of records.
package struct XMLElement: Sendable, Hashable {
    /// A child: an element or a run of text.
    package enum Node: Sendable, Hashable {
        case element(XMLElement)
        case text(String)
    }

    /// The element's name.
    package var name: String
    /// Its attributes.
    package var attributes: [String: String]
    /// Its children, in order.
    package var children: [Node]
    /// The line its start tag is on.
    package var line: Int

    /// Creates an element.
    package init(name: String, attributes: [String: String] = [:], children: [Node] = [], line: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.line = line
    }

    /// The child elements, in order.
    package var elements: [XMLElement] {
        children.compactMap { child in
            if case .element(let element) = child { element } else { nil }
        }
    }

    /// The first child element named `name`.
    package func first(_ name: String) -> XMLElement? {
        for case .element(let element) in children where element.name == name { return element }
        return nil
    }

    /// The child elements named `name`, in order.
    package func all(_ name: String) -> [XMLElement] {
        elements.filter { $0.name == name }
    }

    /// The element at the end of a path of child names (`"Article/Journal/Title"`).
    package func first(path: String) -> XMLElement? {
        var element: XMLElement? = self
        for name in path.split(separator: "/") { element = element?.first(String(name)) }
        return element
    }

    /// All the text inside the element, in document order, with runs of white space (line breaks included) made
    /// one space and the ends trimmed.
    package var text: String {
        var output = ""
        appendText(to: &output)
        return Self.collapsingSpace(output)
    }

    /// The element's text as ``text`` gives it, without the text of the descendants named in `skipped`.
    package func text(skipping skipped: Set<String>) -> String {
        var output = ""
        appendText(to: &output, skipping: skipped)
        return Self.collapsingSpace(output)
    }

    /// The descendants named one of `names`, in document order (not looking inside a match).
    package func descendants(named names: Set<String>) -> [XMLElement] {
        var found: [XMLElement] = []
        for element in elements {
            if names.contains(element.name) {
                found.append(element)
            } else {
                found += element.descendants(named: names)
            }
        }
        return found
    }

    private func appendText(to output: inout String, skipping skipped: Set<String> = []) {
        for child in children {
            switch child {
            case .text(let text): output += text
            case .element(let element):
                if !skipped.contains(element.name) { element.appendText(to: &output, skipping: skipped) }
            }
        }
    }

    /// `text` with every run of white space made one space, and none at either end.
    package static func collapsingSpace(_ text: String) -> String {
        var inline = InlineText()
        inline.append(text)
        return inline.text
    }
}

extension XMLPullParser {
    /// Reads the rest of the element whose start event was just returned, into a tree.
    ///
    /// - Parameters:
    ///   - name: The element's name.
    ///   - attributes: Its attributes.
    ///   - line: The line its start tag was on.
    /// - Returns: The element with everything inside it.
    /// - Throws: ``XMLParseError`` when the element is not well-formed.
    package mutating func element(
        named name: String, attributes: [String: String], line: Int
    ) throws(XMLParseError) -> XMLElement {
        var stack = [XMLElement(name: name, attributes: attributes, line: line)]
        while let event = try next() {
            switch event {
            case .start(let childName, let childAttributes):
                stack.append(XMLElement(name: childName, attributes: childAttributes, line: startTagLine))
            case .text(let text):
                stack[stack.count - 1].children.append(.text(text))
            case .end:
                let finished = stack.removeLast()
                guard !stack.isEmpty else { return finished }
                stack[stack.count - 1].children.append(.element(finished))
            }
        }
        // `next()` throws before the input ends inside an element; this is not reached for well-formed input.
        throw XMLParseError(line: currentLine, column: 1, reason: "the file ends inside <\(name)>")
    }
}
