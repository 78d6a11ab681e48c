import Testing
@testable import WebPages

@Test func userTextIsEscapedForContentAndAttributes() {
    #expect(HTML.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
    #expect(HTML.escape(#"a "quoted" 'tag' & more"#) == "a &quot;quoted&quot; &#39;tag&#39; &amp; more")
    #expect(HTML.escape("bell\u{07}") == "bell\u{FFFD}")
    #expect(HTML.urlComponent("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9")
}
