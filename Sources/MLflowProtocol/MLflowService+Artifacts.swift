import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MLflowWire
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
                try self.guardWrite(request.headers)
                return try await self.upload(context.parameters.getCatchAll().joined(separator: "/"), body: request.body)
            }
        }
    }

    private func artifactCall(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return Self.errorResponse(error) }
    }

    /// `EXPERIMENT/RUN_ID/artifacts[/PATH]` (a run's) or `EXPERIMENT/models/MODEL_ID/artifacts[/PATH]`
    /// (a logged model's) → whose files, a name for errors, whether it is deleted, and the path in
    /// it ("" for the root).
    private func locate(_ path: String, store: Store) throws -> (owner: ArtifactOwner, label: String, isDeleted: Bool, name: String) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let isModel = parts.count >= 4 && parts[1] == "models"
        if isModel { parts.remove(at: 1) }
        guard parts.count >= 3, parts[2] == "artifacts", !parts.contains(".."),
              !parts.dropFirst(3).contains("") || parts.count == 4 && parts[3].isEmpty
        else {
            throw MLflowError.invalid(
                "Artifact path '\(path.prefix(200))' is not EXPERIMENT_ID/RUN_ID/artifacts/PATH or EXPERIMENT_ID/models/MODEL_ID/artifacts/PATH.")
        }
        let name = parts.dropFirst(3).joined(separator: "/")
        if isModel {
            do {
                let model = try store.loggedModel(id: parts[1])
                return (.loggedModel(model.id), "logged model \(model.id)", model.deletedAt != nil, name)
            } catch StoreError.loggedModelNotFound {
                throw MLflowError.notFound("No logged model \(parts[1].prefix(40)) for artifact path '\(path.prefix(200))'.")
            }
        }
        do {
            let run = try store.run(uid: parts[1])
            return (.run(run.id), "run \(run.uid)", run.deletedAt != nil, name)
        } catch StoreError.runNotFound {
            throw MLflowError.notFound("No run \(parts[1].prefix(40)) for artifact path '\(path.prefix(200))'.")
        }
    }

    func listArtifacts(_ request: Request) throws -> Response {
        let path = Self.queryItems(request.uri.query).first { $0.0 == "path" }?.1 ?? ""
        let listing = try gate.withStore { store -> [(path: String, isDirectory: Bool, size: Int)] in
            let place = try locate(path, store: store)
            let prefix = place.name.isEmpty ? "" : place.name + "/"
            var entries: [String: (Bool, Int)] = [:]
            for artifact in try store.artifacts(of: place.owner) where artifact.name.hasPrefix(prefix) {
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
        let (owner, name, pieces, size) = try gate.withStore { store -> (ArtifactOwner, String, [String], Int) in
            let place = try locate(path, store: store)
            do {
                let pieces = try store.artifactPieces(of: place.owner, name: place.name)
                let size = try store.artifacts(of: place.owner).first { $0.name == place.name }?.size ?? 0
                return (place.owner, place.name, pieces, size)
            } catch StoreError.artifactNotFound {
                throw MLflowError.notFound("No artifact '\(place.name.prefix(200))' in \(place.label).")
            }
        }
        let gate = self.gate
        let body = ResponseBody(contentLength: size) { writer in
            for piece in pieces {
                let bytes = try gate.withStore { try $0.artifactPiece(piece, of: owner, name: name) }
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    /// Streams the body into pieces of `Store.artifactPieceBytes`, each stored as it fills, and
    /// hashes the whole as it passes; the file is recorded once every piece is in. At most one
    /// piece is held in memory.
    func upload(_ path: String, body: RequestBody) async throws -> Response {
        let (owner, name) = try gate.withStore { store -> (ArtifactOwner, String) in
            let place = try locate(path, store: store)
            guard !place.name.isEmpty else { throw MLflowError.invalid("An upload needs a file path after 'artifacts/'.") }
            guard !place.isDeleted else { throw MLflowError.invalid("The \(place.label) is deleted.") }
            return (place.owner, place.name)
        }
        var hasher = SHA256()
        var pending = Data(capacity: Store.artifactPieceBytes)
        var pieces: [(sha256: String, size: Int)] = []
        var size = 0
        func store(_ piece: Data) throws {
            pieces.append((try gate.withStore { try $0.putArtifactPiece(piece) }, piece.count))
        }
        for try await buffer in body {
            try buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                var rest = raw[...]
                while !rest.isEmpty {
                    let take = min(rest.count, Store.artifactPieceBytes - pending.count)
                    pending.append(contentsOf: rest.prefix(take))
                    rest = rest.dropFirst(take)
                    if pending.count == Store.artifactPieceBytes {
                        try store(pending)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
            size += buffer.readableBytes
        }
        if !pending.isEmpty || pieces.isEmpty { try store(pending) }
        let sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        _ = try gate.withStore { try $0.recordArtifact(owner: owner, name: name, sha256: sha256, size: size, pieces: pieces) }
        return Self.json(.ok, Array("{}".utf8))
    }
}
