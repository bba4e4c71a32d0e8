/// One rule: conditions, all of which must hold, then one statement.
public struct NftRule: Hashable, Sendable {
    public var matches: [NftMatch]
    public var statement: NftStatement
    public var comment: String?

    /// A rule without conditions.
    public init(_ statement: NftStatement, comment: String? = nil) {
        self.init([], statement, comment: comment)
    }

    public init(_ matches: [NftMatch], _ statement: NftStatement, comment: String? = nil) {
        self.matches = matches
        self.statement = statement
        self.comment = comment
    }
}
