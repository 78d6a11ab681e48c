import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// MLflow's artifact proxy, `/api/2.0/mlflow-artifacts/artifacts/EXPERIMENT/RUN_ID/artifacts/PATH`:
/// PUT uploads a file, GET downloads it, GET `…/artifacts?path=…` lists a folder. Files stream in
/// and out piece by piece (`Store.artifactPieceBytes`), so a file of any size passes through bounded
/// memory; each is the run's artifact PATH, content-addressed like every blob.
extension MLflowService {
    static let artifactsPrefix = "/api/2.0/mlflow-artifacts/artifacts"

    func addArtifactRoutes(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(Self.artifactsPrefix)) { request, _ in
            await self.artifactCall { try self.listArtifacts(request) }
        }
        router.get(RouterPath(Self.artifactsPrefix + "/**")) { _, context in
            await self.artifactCall { try self.download(context.parameters.getCatchAll().joined(separator: "/")) }
        }
        router.put(RouterPath(Self.artifactsPrefix + "/**")) { request, context in
            await self.artifactCall {
                try self.guardWrite(request)
                return try await self.upload(context.parameters.getCatchAll().joined(separator: "/"), body: request.body)
            }
        }
    }

    private func artifactCall(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return Self.errorResponse(error) }
    }

    /// `EXPERIMENT/RUN_ID/artifacts[/PATH]` → the run and the artifact path in it ("" for the root).
    private func locate(_ path: String, store: Store) throws -> (run: Run, name: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[2] == "artifacts", !parts.contains(".."), !parts.dropFirst(3).contains("") || parts.count == 4 && parts[3].isEmpty
        else { throw MLflowError.invalid("Artifact path '\(path.prefix(200))' is not EXPERIMENT_ID/RUN_ID/artifacts/PATH.") }
        let run: Run
        do {
            run = try store.run(uid: parts[1])
        } catch StoreError.runNotFound {
            throw MLflowError.notFound("No run \(parts[1]) for artifact path '\(path.prefix(200))'.")
        }
        return (run, parts.dropFirst(3).joined(separator: "/"))
    }

    func listArtifacts(_ request: Request) throws -> Response {
        let path = Self.queryItems(request.uri.query).first { $0.0 == "path" }?.1 ?? ""
        let listing = try gate.withStore { store -> [(path: String, isDirectory: Bool, size: Int)] in
            let (run, folder) = try locate(path, store: store)
            let prefix = folder.isEmpty ? "" : folder + "/"
            var entries: [String: (Bool, Int)] = [:]
            for artifact in try store.artifacts(runID: run.id) where artifact.name.hasPrefix(prefix) {
                let rest = artifact.name.dropFirst(prefix.count)
                if let slash = rest.firstIndex(of: "/") {
                    entries[String(rest[..<slash])] = (true, 0)
                } else {
                    entries[String(rest)] = (false, artifact.size)
                }
            }
            return entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value.0, $0.value.1) }
        }
        var writer = JSONWriter()
        writer.openObject()
        writer.key("files")
        writer.openArray()
        for entry in listing {
            writer.openObject()
            writer.field("path", entry.path)
            writer.key("is_dir")
            writer.bool(entry.isDirectory)
            if !entry.isDirectory { writer.field("file_size", Int64(entry.size)) }
            writer.closeObject()
        }
        writer.closeArray()
        writer.closeObject()
        return Self.json(.ok, writer.bytes)
    }

    func download(_ path: String) throws -> Response {
        let (runID, name, pieces, size) = try gate.withStore { store -> (Int64, String, [String], Int) in
            let (run, name) = try locate(path, store: store)
            do {
                let pieces = try store.artifactPieces(runID: run.id, name: name)
                let size = try store.artifacts(runID: run.id).first { $0.name == name }?.size ?? 0
                return (run.id, name, pieces, size)
            } catch StoreError.artifactNotFound {
                throw MLflowError.notFound("No artifact '\(name)' in run \(run.uid).")
            }
        }
        let gate = self.gate
        let body = ResponseBody(contentLength: size) { writer in
            for piece in pieces {
                let bytes = try gate.withStore { try $0.artifactPiece(piece, runID: runID, name: name) }
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func upload(_ path: String, body: RequestBody) async throws -> Response {
        let (runID, name) = try gate.withStore { store -> (Int64, String) in
            let (run, name) = try locate(path, store: store)
            guard !name.isEmpty else { throw MLflowError.invalid("An upload needs a file path after 'artifacts/'.") }
            guard run.deletedAt == nil else { throw MLflowError.invalid("The run \(run.uid) is deleted.") }
            return (run.id, name)
        }
        var hasher = SHA256()
        var pending = Data()
        var pieces: [(sha256: String, size: Int)] = []
        var size = 0
        func store(_ piece: Data) throws {
            pieces.append((try gate.withStore { try $0.putArtifactPiece(piece) }, piece.count))
        }
        for try await buffer in body {
            buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                pending.append(contentsOf: raw)
            }
            size += buffer.readableBytes
            while pending.count >= Store.artifactPieceBytes {
                try store(pending.prefix(Store.artifactPieceBytes))
                pending.removeFirst(Store.artifactPieceBytes)
            }
        }
        if !pending.isEmpty || pieces.isEmpty { try store(pending) }
        let sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        _ = try gate.withStore { try $0.recordArtifact(runID: runID, name: name, sha256: sha256, size: size, pieces: pieces) }
        return Self.json(.ok, Array("{}".utf8))
    }
}
