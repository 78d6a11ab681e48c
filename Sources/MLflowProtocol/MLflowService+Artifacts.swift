import Foundation
import Hummingbird
import Store

/// The artifact proxy, `/api/2.0/mlflow-artifacts/artifacts/…`.
extension MLflowService {
    func addArtifactRoutes(to router: Router<BasicRequestContext>) {}
}
