import ArgumentParser
import Foundation
import Sweep

/// A trial of nnreg's trainer as the `nnreg train` command line it amounts to: the sweep's shared
/// options, then the trial's `--NAME VALUE` for each parameter.
enum TrialSettings {
    /// Options the sweep sets itself, which a parameter cannot.
    static let sweepOptions: Set<String> = [
        "steps", "display-step", "validation", "checkpoint-every", "predictions", "name", "experiment", "tag", "notes", "json",
        "db", "data", "help",
    ]

    static func arguments(_ spec: SweepSpec, _ assignment: Assignment) -> [String] {
        spec.trainArguments + spec.optionArguments(assignment)
    }

    /// The `train` command of a trial, validated; a refusal is one line naming the trial's settings.
    static func train(_ spec: SweepSpec, _ assignment: Assignment) throws -> Train {
        let arguments = arguments(spec, assignment)
        do {
            return try Train.parse(arguments)
        } catch {
            throw CLIError("nnreg train refuses \(arguments.dropFirst(spec.trainArguments.count).joined(separator: " ")): \(Train.message(for: error))")
        }
    }

    /// Checks that every parameter is a `train` option the sweep leaves to it, and that `train`
    /// accepts each value of a list and both ends of a range.
    static func check(_ spec: SweepSpec) throws {
        for parameter in spec.space.parameters {
            let option = SweepSpec.optionName(parameter.name)
            if sweepOptions.contains(option) {
                throw CLIError("--param \(parameter.name): the sweep sets --\(option) itself; give it to 'nnreg sweep' (for example --\(option) N)")
            }
            let values: [String] = switch parameter.domain {
            case .choice(let values): values
            case .real(let low, let high, _): [ParameterDomain.text(low), ParameterDomain.text(high)]
            case .integer(let low, let high, _): [String(low), String(high)]
            }
            for value in values {
                do {
                    _ = try Train.parse(spec.trainArguments + ["--\(option)", value])
                } catch {
                    throw CLIError("--param \(parameter.name)=\(value): nnreg train says: \(Train.message(for: error))")
                }
            }
        }
    }
}
