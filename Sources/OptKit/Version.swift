public enum OptKitVersion { public static let string = "0.1.0" }
