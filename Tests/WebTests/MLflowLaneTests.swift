import Foundation
import HTTPTypes
import MLflowProtocol
import Testing

/// MLflow's lane decides from a request's head how much of its body to gather: a write that the
/// guard refuses gathers none (it is answered 401 or 403 without it), so a client without the token
/// cannot make the server hold `maxBodyBytes` per connection.
@Test func aRefusedWriteGathersNoBody() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nnreg-lane-\(UUID().uuidString).sqlite").path
    let token = "s3cret-token-0123456789"
    let guarded = MLflowService(storePath: path, allowsWrites: true, token: token)
    let readOnly = MLflowService(storePath: path, allowsWrites: false, token: nil)
    func head(_ method: HTTPRequest.Method, _ path: String, token: String? = nil) -> HTTPRequest {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        return HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields)
    }
    let write = "/api/2.0/mlflow/runs/log-metric", read = "/api/2.0/mlflow/experiments/search"
    #expect(guarded.take(head(.post, write))?.maxBodyBytes == 0)
    #expect(guarded.take(head(.post, write, token: "s3cret-token-0123456780"))?.maxBodyBytes == 0)
    #expect(guarded.take(head(.post, write, token: token))?.maxBodyBytes == MLflowService.maxBodyBytes)
    #expect(guarded.take(head(.post, read))?.maxBodyBytes == MLflowService.maxBodyBytes)
    #expect(readOnly.take(head(.post, write, token: token))?.maxBodyBytes == 0)
    #expect(readOnly.take(head(.post, read))?.maxBodyBytes == MLflowService.maxBodyBytes)
}
