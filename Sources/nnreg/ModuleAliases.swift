import Trainer

// Store and Trainer both define `Evaluation`, and each module shares its name with a type, so
// neither can be qualified by module. This file sees only Trainer's.

/// The figures a network scores on a split (Trainer's `Evaluation`).
typealias NetworkEvaluation = Evaluation
