/// The pages' only stylesheet, inlined so that a report file needs nothing else.
enum Style {
    static let css = """
        :root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--accent:#0b5cad}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        nav{display:flex;gap:16px;align-items:center;padding:8px 20px;border-bottom:1px solid var(--line);background:#f6f8fa}
        nav a{color:var(--fg);text-decoration:none}nav .brand{font-weight:700}
        main{padding:16px 20px;max-width:1400px}h1{font-size:20px;margin:4px 0 8px}h2{font-size:16px;margin:20px 0 8px}
        a{color:var(--accent)}table{border-collapse:collapse;margin:6px 0}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        th{background:#f6f8fa;font-weight:600;white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
        .badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;border:1px solid}
        .badge.running{color:#0550ae;border-color:#0550ae;background:#ddf4ff}.badge.finished{color:#116329;border-color:#116329;background:#dafbe1}
        .badge.failed{color:#a40e26;border-color:#a40e26;background:#ffebe9}.badge.crashed{color:#fff;border-color:#a40e26;background:#a40e26}
        .badge.interrupted{color:#7d4e00;border-color:#7d4e00;background:#fff8c5}.badge.pruned{color:#57606a;border-color:#57606a;background:#f6f8fa}
        .tag{display:inline-block;padding:0 5px;margin:1px;border-radius:4px;background:#eaeef2;font-size:12px}
        .meta{color:var(--muted)}.diff{background:#fff8c5}.error{color:#a40e26;font-weight:600}
        form.filter{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:8px 0}form.filter input[type=text]{width:480px;font:13px ui-monospace,monospace;padding:4px}
        .pager{display:flex;gap:12px;margin:8px 0}
        nav.experiments{flex-wrap:wrap;gap:6px 14px;padding:4px 0;border:0;background:none}nav.experiments a{color:var(--accent)}
        nav.experiments a[aria-current]{color:var(--fg);font-weight:600;border-bottom:2px solid var(--accent)}
        figure.chart{margin:8px 0 16px;display:inline-block;vertical-align:top}svg.chart{background:#fff;max-width:100%;height:auto}
        svg.chart .plot{fill:none;stroke:var(--line)}svg.chart .grid{stroke:#eef1f4}svg.chart .tick,svg.chart .axis{font-size:11px;fill:var(--muted)}
        svg.chart .title{font-size:13px;font-weight:600;fill:var(--fg)}svg.chart path.series{fill:none;stroke-width:1.6}
        svg.chart .cursor{stroke:#888;stroke-dasharray:3 3}figcaption.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;max-width:760px}
        figcaption .key{display:inline-flex;align-items:center;gap:4px}output.readout{display:block;width:100%;font:12px ui-monospace,monospace;min-height:1.4em;color:var(--fg)}
        table.confusion td{text-align:right;min-width:38px;font-variant-numeric:tabular-nums}
        .digits{display:flex;flex-wrap:wrap;gap:10px}.digit{border:2px solid #2da44e;padding:4px;text-align:center;font-size:12px;width:92px}
        .digit.wrong{border-color:#cf222e;background:#ffebe9}.digit img{width:80px;height:80px;image-rendering:pixelated;display:block;margin:0 auto}
        section.run{border-top:2px solid var(--line);margin-top:24px}.nowrap{white-space:nowrap}
        .columns{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}.columns h2{margin-top:0}
        pre.output { max-height: 30em; overflow: auto; background: #f6f6f6; padding: .5em; font-size: 12px; white-space: pre-wrap; }
        """
}
