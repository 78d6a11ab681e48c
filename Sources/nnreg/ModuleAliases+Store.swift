import Store

/// A stored evaluation record (Store's `Evaluation`); see ModuleAliases.swift.
typealias EvaluationRecord = Evaluation
