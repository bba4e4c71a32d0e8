import Foundation

/// RFC 3339 times as the API server writes them (`2026-12-04T15:00:00Z`, with or without
/// fractional seconds).
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
