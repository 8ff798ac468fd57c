"""The weekly policy brief: what a coalition's week looked like, in every format.

- `data`: build the brief (tracked bills, movers, hearings, outreach) as plain objects
- `render`: HTML, PDF, Markdown, DOCX, CSV and XLSX from those objects
- `charts`: the SVG topic-by-stage chart and state tile map
- `models` + `archive`: archived briefs and email subscribers (tables `brief_archives`,
  `brief_subscribers`, created by migration `0006_briefs`)
- `jobs`: the weekly email job; `cli`: `tracker brief`
"""
