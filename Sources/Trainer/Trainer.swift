/// The seed network and its training loop. (Skeleton: filled in by the Trainer issue.)
public enum TrainerInfo {
    public static let name = "mlp"
}
