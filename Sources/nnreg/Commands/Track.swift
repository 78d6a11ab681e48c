import ArgumentParser
import Foundation
import NNRegTracking
import OutputMetrics
import ProcessTracker
import Store

struct Track: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run any command unchanged and record it as a run: its metrics (read from its output), output, artifacts and exit status.",
        discussion: """
            The command's stdin, stdout and stderr pass through as they are (on a terminal it still sees one),
            and nnreg exits with the command's exit status. Metrics are read from its output with no change to it:
              step: 100, loss: 0.52, accuracy: 0.87       the seed's lines (any KEY: VALUE or KEY=VALUE with a step)
              {"step": 3, "loss": 0.5}                     JSON lines
              loss=0.25 acc=0.91                           lines of pairs only (no step: the next one)
              Test Accuracy: 0.9368                        a final figure (recorded as test_accuracy)
            --metric-pattern adds a regular expression with named groups: step, key and value, or one per metric.
            Flags of the command (--lr 0.01, --epochs=5, -n 3) become params unless --no-flag-params.
            SIGINT/SIGTERM are passed to the command, which has 10 s to stop; the run ends 'interrupted'.

            Example: nnreg track --name numpy-seed -- python3 scripts/numpy_seed.py --steps 3000
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "A name for the run (default: generated; names may repeat, uids do not).") var name: String?
    @Option(help: "The experiment the run joins, created on first use (default: Default).") var experiment: String?
    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag KEY=VALUE (repeatable).", valueName: "key=value"))
    var tags: [String] = []
    @Option(name: .customLong("param"), help: ArgumentHelp("A param KEY=VALUE, typed as it reads (repeatable).", valueName: "key=value"))
    var params: [String] = []
    @Option(name: .customLong("metric-pattern"), help: ArgumentHelp(
        "A regex with named groups (?P<step>…), (?P<key>…)/(?P<value>…) or (?P<METRIC>…) (repeatable).", valueName: "regex"))
    var metricPatterns: [String] = []
    @Option(name: .customLong("artifacts"), help: ArgumentHelp(
        "A directory whose files are stored with the run when the command ends (repeatable).", valueName: "dir"))
    var artifactDirectories: [String] = []
    @Flag(help: "Do not read params from the command's own flags.") var noFlagParams = false
    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after '--'.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("Give the command to run after '--', e.g. nnreg track -- python3 train.py") }
        if let name { try Train.validateName(name) }
        if let experiment { try ExperimentCommand.validateName(experiment, option: "--experiment") }
        _ = try KeyValueOptions.parse(tags, option: "--tag")
        _ = try KeyValueOptions.parse(params, option: "--param")
        for pattern in metricPatterns {
            do { _ = try MetricPattern(pattern) } catch { throw ValidationError(error.description) }
        }
    }

    var request: TrackRequest {
        get throws {
            var request = TrackRequest(command: command)
            request.name = name
            request.experiment = experiment
            request.tags = try KeyValueOptions.parse(tags, option: "--tag")
            request.params = try KeyValueOptions.parse(params, option: "--param").mapValues(FlagParams.typed)
            request.readsFlagParams = !noFlagParams
            request.metricPatterns = metricPatterns
            request.artifactDirectories = artifactDirectories
            request.nnregVersion = NNReg.version
            return request
        }
    }

    func run() throws {
        try Self.execute(try request, db: global.db)
    }

    /// Runs and records the command; shared by `run()` and the fast path of `nnreg track`.
    static func execute(_ request: TrackRequest, db: String) throws {
        let checked: CheckedTrackRequest
        do {
            checked = try ProcessTracker.validate(request)  // before the store is opened: nothing to undo
        } catch let error as TrackError {
            throw CLIError(error.description, exitCode: error.exitCode)
        }
        let store = try StoreOpening.open(db)
        let outcome: TrackOutcome
        do {
            outcome = try ProcessTracker.run(checked, store: store) { run in
                if Terminal.isStandardErrorTTY { Terminal.diagnostic("nnreg: recording run \(run.id) \(run.name) into \(db)") }
            }
        } catch let error as TrackError {
            throw CLIError(error.description, exitCode: error.exitCode)
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        for warning in outcome.warnings { Terminal.diagnostic("nnreg: warning: \(warning)") }
        if Terminal.isStandardErrorTTY {
            Terminal.diagnostic("nnreg: run \(outcome.runID) \(outcome.name) \(outcome.status.rawValue) (exit \(outcome.exitCode)): "
                + "\(outcome.metricPoints) metric points, \(outcome.outputBytes) bytes of output, \(outcome.artifacts.count) artifacts")
        }
        if outcome.exitCode != 0 { throw CLIError("", exitCode: outcome.exitCode, isQuiet: true) }
    }

    /// The arguments after `nnreg track` read without argument-parser, whose setup (about 5 ms of
    /// dynamic casts) would delay the command's start: plain `--option VALUE`, `--option=VALUE` and
    /// `--no-flag-params` before `--`. Anything else (help, an unknown or malformed option) returns nil
    /// and goes through argument-parser, for its usual messages.
    static func quickRequest(_ arguments: [String]) -> (request: TrackRequest, db: String)? {
        guard let separator = arguments.firstIndex(of: "--"), separator + 1 < arguments.count else { return nil }
        var db = ProcessInfo.processInfo.environment["NNREG_DB"] ?? "nnreg.sqlite"
        var options = Track()
        options.tags = []
        options.params = []
        options.metricPatterns = []
        options.artifactDirectories = []
        var name: String?
        var experiment: String?
        var noFlagParams = false
        var index = 0
        while index < separator {
            var option = arguments[index]
            var value: String?
            if let equals = option.firstIndex(of: "="), option.hasPrefix("--") {
                value = String(option[option.index(after: equals)...])
                option = String(option[..<equals])
            }
            if option == "--no-flag-params", value == nil {
                noFlagParams = true
                index += 1
                continue
            }
            if value == nil {
                guard index + 1 < separator else { return nil }
                value = arguments[index + 1]
                index += 1
            }
            index += 1
            switch option {
            case "--db": db = value!
            case "--data": break
            case "--name": name = value
            case "--experiment": experiment = value
            case "--tag": options.tags.append(value!)
            case "--param": options.params.append(value!)
            case "--metric-pattern": options.metricPatterns.append(value!)
            case "--artifacts": options.artifactDirectories.append(value!)
            default: return nil
            }
        }
        options.name = name
        options.experiment = experiment
        options.noFlagParams = noFlagParams
        options.command = Array(arguments[(separator + 1)...])
        guard (try? options.validate()) != nil, let request = try? options.request else { return nil }
        return (request, db)
    }
}