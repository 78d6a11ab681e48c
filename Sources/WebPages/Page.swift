/// How pages link and what they may load: served by `nnreg serve` (links to other pages, the script
/// from /static/nnreg.js, live updates) or written by `nnreg report` (one file: the script inline,
/// links only to sections of the same file, no requests of any kind).
public enum PageMode: Sendable, Equatable {
    case served
    case report(runIDs: Set<Int64>)

    /// The link to a run's page, or nil when the report does not contain it.
    func runLink(_ id: Int64) -> String? {
        switch self {
        case .served: return "/runs/\(id)"
        case .report(let ids): return ids.contains(id) ? "#run-\(id)" : nil
        }
    }

    func modelLink(_ name: String) -> String? {
        if case .served = self { return "/models/\(HTML.urlComponent(name))" }
        return nil
    }
}

/// The document around every page: head, styles, navigation, script.
public enum Page {
    /// A whole HTML document. `isLive` makes the script refresh the page's `main` every 2 s (served
    /// pages only).
    public static func document(title: String, mode: PageMode, isLive: Bool = false, body: String) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        if case .report = mode {
            // The browser itself then refuses any request the file could make.
            html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'\">"
        }
        html += "<title>\(HTML.escape(title)) · nnreg</title><style>\(Style.css)</style></head>"
        html += "<body data-live=\"\(isLive ? "1" : "0")\">"
        switch mode {
        case .served:
            html += "<nav><a class=\"brand\" href=\"/\">nnreg</a><a href=\"/\">Runs</a><a href=\"/models\">Models</a><a href=\"/sweeps\">Sweeps</a><a href=\"/api/runs\">API</a></nav>"
        case .report:
            html += "<nav><span class=\"brand\">nnreg report</span></nav>"
        }
        html += "<main>\(body)</main>"
        switch mode {
        case .served: html += "<script src=\"/static/nnreg.js\"></script>"
        case .report: html += "<script>\(Script.source)</script>"
        }
        return html + "</body></html>\n"
    }

    /// `<a href=…>text</a>`, or the text alone when there is nowhere to link.
    static func link(_ href: String?, _ text: String) -> String {
        guard let href else { return HTML.escape(text) }
        return "<a href=\"\(HTML.escape(href))\">\(HTML.escape(text))</a>"
    }

    static func badge(_ status: String) -> String {
        "<span class=\"badge \(HTML.escape(status))\">\(HTML.escape(status))</span>"
    }

    /// Tags as chips; past `limit`, a count of the rest (the run page shows them all).
    static func tags(_ tags: [String: String], limit: Int = .max) -> String {
        let sorted = tags.sorted { $0.key < $1.key }
        var html = sorted.prefix(limit).map { "<span class=\"tag\">\(HTML.escape($0.key))=\(HTML.escape($0.value))</span>" }.joined(separator: " ")
        if sorted.count > limit { html += " <span class=\"meta\">+\(sorted.count - limit) more</span>" }
        return html
    }
}
