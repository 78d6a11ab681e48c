import Dispatch
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// A service that answers some requests in a connection's channel pipeline, ahead of the router:
/// scoring POSTs, MLflow's JSON calls. What it does not take goes on to the router untouched.
public protocol PipelineLane: Sendable {
    /// How to answer a request with this head, or nil to leave it to the router.
    func take(_ head: HTTPRequest) -> LaneRequest?
}

/// A request a lane took: how large its body may be, where to answer it, and how.
public struct LaneRequest: Sendable {
    /// A body larger than this is not gathered: `answer` gets nil for it.
    public let maxBodyBytes: Int
    /// Whether `answer` may block on futures (a PostgreSQL store's queries), which an event loop
    /// must not: it then runs on another thread.
    public let answersOffEventLoop: Bool
    /// Answers the request: calls `reply` exactly once, from any thread. `body` is nil when it was
    /// larger than `maxBodyBytes`; `loop` is the connection's event loop.
    public let answer: @Sendable (_ body: ByteBuffer?, _ loop: any EventLoop, _ reply: @escaping @Sendable (LaneAnswer) -> Void) -> Void

    public init(maxBodyBytes: Int, answersOffEventLoop: Bool,
                answer: @escaping @Sendable (ByteBuffer?, any EventLoop, @escaping @Sendable (LaneAnswer) -> Void) -> Void) {
        self.maxBodyBytes = maxBodyBytes
        self.answersOffEventLoop = answersOffEventLoop
        self.answer = answer
    }
}

/// A lane's answer: its status, its own headers (Content-Type among them), and its body.
public struct LaneAnswer: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Answers the requests its lanes take in a connection's channel pipeline, between the HTTP codec
/// and the router: the body is gathered here, the lane answers it, and the answer is written back
/// from this connection's event loop, without the router's per-request machinery. Every other
/// request passes through untouched.
///
/// Answers go out in the order the requests came, whoever makes them: while one request is being
/// answered (here, or by the router, whose response passes through `write`), the next request's
/// parts wait here and the socket is not read further.
public final class LaneChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        case idle
        /// A request for the router is arriving; `isAnswered` once its response has ended.
        case passing(isAnswered: Bool)
        /// A request a lane took is arriving; its body is nil once it grew past the limit.
        case receiving(head: HTTPRequest, request: LaneRequest, body: ByteBuffer?)
        /// A request has arrived whole and its answer is still to come.
        case answering
    }

    /// Longest request target a lane sees; longer ones go to the router (which answers 414).
    public static let maxPathBytes = 8_192

    let lanes: [any PipelineLane]
    /// Headers every answer carries (the server's security headers).
    let headers: HTTPFields
    private var phase = Phase.idle
    private var held = CircularBuffer<HTTPRequestPart>()
    private var isReadPending = false

    public init(lanes: [any PipelineLane], headers: HTTPFields) {
        self.lanes = lanes
        self.headers = headers
    }

    private var isAnswering: Bool {
        if case .answering = phase { return true }
        return false
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isAnswering || !held.isEmpty {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    private func take(_ head: HTTPRequest) -> LaneRequest? {
        guard let path = head.path, path.utf8.count <= Self.maxPathBytes else { return nil }
        for lane in lanes {
            if let request = lane.take(head) { return request }
        }
        return nil
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (phase, part) {
        case (.idle, .head(let head)):
            if let request = take(head) {
                let declared = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
                phase = .receiving(head: head, request: request,
                                   body: declared > request.maxBodyBytes ? nil : context.channel.allocator.buffer(capacity: max(declared, 0)))
            } else {
                phase = .passing(isAnswered: false)
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.passing(let isAnswered), .end):
            phase = isAnswered ? .idle : .answering
            context.fireChannelRead(wrapInboundOut(part))
        case (.receiving(let head, let request, let body), .body(let chunk)):
            phase = .idle  // the enum lets go of the buffer, so that it grows in place
            var body = body
            if body != nil, body!.readableBytes + chunk.readableBytes <= request.maxBodyBytes {
                body!.writeImmutableBuffer(chunk)
            } else {
                body = nil
            }
            phase = .receiving(head: head, request: request, body: body)
        case (.receiving(let head, let request, let body), .end):
            phase = .answering
            let closes = head.headerFields[.connection]?.lowercased() == "close"
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            let answer = { @Sendable in
                request.answer(body, loop) { answer in
                    let respond = { @Sendable in
                        let (handler, context) = bound.value
                        handler.respond(answer, closes: closes, context: context)
                    }
                    if loop.inEventLoop { respond() } else { loop.execute(respond) }
                }
            }
            if request.answersOffEventLoop { DispatchQueue.global().async(execute: answer) } else { answer() }
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func respond(_ answer: LaneAnswer, closes: Bool, context: ChannelHandlerContext) {
        var fields = headers
        for field in answer.headers { fields[field.name] = field.value }
        fields[.contentLength] = String(answer.body.readableBytes)
        if closes { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closes {
            written.whenComplete { _ in context.close(promise: nil) }
            return
        }
        answered(context: context)
    }

    /// The current request's answer has ended: the requests held meanwhile go on, in order. What
    /// goes on to the router is followed by a read-complete, as a read from the socket would be
    /// (the router's side takes in what it was given only then).
    private func answered(context: ChannelHandlerContext) {
        phase = .idle
        let passes = !held.isEmpty
        while !held.isEmpty, !isAnswering {
            handle(held.removeFirst(), context: context)
        }
        if passes { context.fireChannelReadComplete() }
        if isReadPending, !isAnswering {
            isReadPending = false
            context.read()
        }
    }

    // The router's response to a request passed on.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        context.write(data, promise: promise)
        guard case .end = part else { return }
        switch phase {
        case .passing: phase = .passing(isAnswered: true)
        case .answering: context.eventLoop.execute { self.answered(context: context) }
        default: break
        }
    }

    // No more reading while an answer is pending: pipelined requests wait in the socket, not here.
    public func read(context: ChannelHandlerContext) {
        if isAnswering {
            isReadPending = true
        } else {
            context.read()
        }
    }
}
