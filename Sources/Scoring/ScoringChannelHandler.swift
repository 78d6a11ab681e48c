import Dispatch
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers scoring POSTs in a connection's channel pipeline, between the HTTP codec and the router:
/// the body is gathered here, read into rows, queued for the batch, and the answer written back
/// from this connection's event loop, without the router's per-request machinery. Every other
/// request passes through untouched.
///
/// Answers go out in the order the requests came, whoever makes them: while one request is being
/// answered (here, or by the router, whose response passes through `write`), the next request's
/// parts wait here and the socket is not read further.
final class ScoringChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        case idle
        /// A request for the router is arriving; `isAnswered` once its response has ended.
        case passing(isAnswered: Bool)
        /// A scoring request is arriving; its body is nil once it grew past the limit.
        case receiving(head: HTTPRequest, reference: String, body: ByteBuffer?)
        /// A request has arrived whole and its answer is still to come.
        case answering
    }

    let service: ScoringService
    /// Headers every answer carries (the server's security headers).
    let headers: HTTPFields
    private var phase = Phase.idle
    private var held = CircularBuffer<HTTPRequestPart>()
    private var isReadPending = false

    init(service: ScoringService, headers: HTTPFields) {
        self.service = service
        self.headers = headers
    }

    private var isAnswering: Bool {
        if case .answering = phase { return true }
        return false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isAnswering || !held.isEmpty {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (phase, part) {
        case (.idle, .head(let head)):
            if head.method == .post, let path = head.path, path.utf8.count <= 8_192,
               let reference = ScoringService.reference(path: path, defaultModel: service.defaultModel) {
                let declared = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
                phase = .receiving(head: head, reference: reference,
                                   body: declared > service.limits.maxBodyBytes ? nil : context.channel.allocator.buffer(capacity: max(declared, 0)))
            } else {
                phase = .passing(isAnswered: false)
                context.fireChannelRead(wrapInboundOut(part))
            }
        case (.passing(let isAnswered), .end):
            phase = isAnswered ? .idle : .answering
            context.fireChannelRead(wrapInboundOut(part))
        case (.receiving(let head, let reference, let body), .body(let chunk)):
            phase = .idle  // the enum lets go of the buffer, so that it grows in place
            var body = body
            if body != nil, body!.readableBytes + chunk.readableBytes <= service.limits.maxBodyBytes {
                body!.writeImmutableBuffer(chunk)
            } else {
                body = nil
            }
            phase = .receiving(head: head, reference: reference, body: body)
        case (.receiving(let head, let reference, let body), .end):
            phase = .answering
            answer(head: head, reference: reference, body: body, context: context)
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func answer(head: HTTPRequest, reference: String, body: ByteBuffer?, context: ChannelHandlerContext) {
        let closes = head.headerFields[.connection]?.lowercased() == "close"
        guard service.resolvesOffEventLoop else {
            return proceed(service.outcome(reference: reference, headers: head.headerFields, body: body), closes: closes, context: context)
        }
        let (service, loop) = (self.service, context.eventLoop)
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        DispatchQueue.global().async {
            let outcome = service.outcome(reference: reference, headers: head.headerFields, body: body)
            loop.execute {
                let (handler, context) = bound.value
                handler.proceed(outcome, closes: closes, context: context)
            }
        }
    }

    private func proceed(_ outcome: ScoringService.Outcome, closes: Bool, context: ChannelHandlerContext) {
        switch outcome {
        case .answer(let status, let problem):
            respond(status, problem, model: nil, closes: closes, context: context)
        case .score(let model, let rows):
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            service.batcher.submit(model, rows.split, on: loop) { probabilities in
                let answer = { @Sendable in
                    let (handler, context) = bound.value
                    handler.respond(.ok, PredictionJSON.encode(probabilities, classes: model.network.classes), model: model,
                                    closes: closes, context: context)
                }
                if loop.inEventLoop { answer() } else { loop.execute(answer) }
            }
        }
    }

    private func respond(_ status: HTTPResponse.Status, _ body: ByteBuffer, model: ServedModel?, closes: Bool, context: ChannelHandlerContext) {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.readableBytes)
        if let model {
            fields[ScoringService.versionHeader] = model.label
            fields[ScoringService.weightsHeader] = model.weightsSHA256
        }
        if closes { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closes {
            written.whenComplete { _ in context.close(promise: nil) }
            return
        }
        answered(context: context)
    }

    /// The current request's answer has ended: the requests held meanwhile go on, in order.
    private func answered(context: ChannelHandlerContext) {
        phase = .idle
        while !held.isEmpty, !isAnswering {
            handle(held.removeFirst(), context: context)
        }
        if isReadPending, !isAnswering {
            isReadPending = false
            context.read()
        }
    }

    // The router's response to a request passed on.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
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
    func read(context: ChannelHandlerContext) {
        if isAnswering {
            isReadPending = true
        } else {
            context.read()
        }
    }
}
