/// A page for a request that cannot be answered (unknown path, run, model; bad filter).
public enum ErrorPage {
    public static func html(status: Int, message: String) -> String {
        Page.document(title: "\(status)", mode: .served, body: "<h1>\(status)</h1><p class=\"error\">\(HTML.escape(message))</p><p><a href=\"/\">All runs</a></p>")
    }
}
