/// How the curves of up to 100 runs stay apart, in colour and in greyscale: ten colours of
/// distinct lightness (Okabe–Ito and Tol's bright scheme, ordered dark to light) crossed with five
/// dash patterns and, for the points of short curves, five marker shapes.
public enum Palette {
    public static let colors = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#56B4E9", "#E69F00", "#999933", "#F0E442"]
    public static let dashes = ["", "6 3", "2 2", "8 3 2 3", "12 4"]

    public struct Style: Sendable, Equatable {
        public let color: String
        public let dash: String
        public let marker: Int
    }

    /// The style of the `index`th curve (0-based): neighbours differ in colour and dash, and the
    /// first 50 are all different.
    public static func style(_ index: Int) -> Style {
        Style(color: colors[index % colors.count], dash: dashes[(index + index / colors.count) % dashes.count],
              marker: (index + index / colors.count) % 5)
    }
}
