/// The registry's SQLite store. (Skeleton: filled in by the Store issue.)
public enum StoreInfo {
    public static let migrationIDs = embeddedMigrations.map(\.id)
}
