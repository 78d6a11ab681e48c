extension Network {
    /// Whether every weight and bias is a finite number. A diverging run can overflow its weights in
    /// the update after the last finite loss; such weights must never be saved as a good checkpoint.
    public var isFinite: Bool { tensors.allSatisfy { $0.allSatisfy(\.isFinite) } }
}
