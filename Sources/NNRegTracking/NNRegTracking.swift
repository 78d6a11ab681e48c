// The Store as a library: `import NNRegTracking` gives a Swift program the whole `Store` API (open a
// store, list and read runs, checkpoints, the model registry) and `TrackedRun`, which records one
// run from a training loop of its own without slowing it down.
@_exported import Store
