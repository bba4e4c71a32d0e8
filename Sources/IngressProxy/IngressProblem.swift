/// Something in the input the proxy cannot serve by: a Secret whose certificate does not
/// read, named with its object and field. A table with problems is not put in force.
public struct IngressProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
