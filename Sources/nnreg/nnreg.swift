import ArgumentParser
import Store
import Trainer

@main
struct NNReg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnreg", abstract: "Train a neural network and keep a complete record of every run.")
    func run() throws { print(StoreInfo.migrationIDs) }
}
