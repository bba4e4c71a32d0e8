/// What an ``UpstreamHandler`` reports to the request it serves.
protocol UpstreamOwner: AnyObject {
    /// Whether the client can take more of the response now.
    var canTakeResponse: Bool { get }
    func upstream(_ connection: UpstreamHandler, received part: UpstreamResponseParser.Event)
    func upstreamReadComplete(_ connection: UpstreamHandler)
    func upstream(_ connection: UpstreamHandler, writable: Bool)
    func upstream(_ connection: UpstreamHandler, failed: UpstreamFailure)
}
