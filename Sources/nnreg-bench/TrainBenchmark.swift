import Trainer

/// Trainer figures (issue 3). Filled in by the Trainer work.
func runTrainBenchmarks(dataDirectory: String) throws {}
