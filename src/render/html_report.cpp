#include "skycover/render/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace skycover {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

void HtmlReport::heading(std::string_view text, int level) {
  body_ += fmt::format("<h{0}>{1}</h{0}>\n", std::clamp(level, 1, 4), html_escape(text));
}

void HtmlReport::paragraph(std::string_view text) { body_ += fmt::format("<p>{}</p>\n", html_escape(text)); }

void HtmlReport::raw_html(std::string_view html) {
  body_ += html;
  body_ += '\n';
}

void HtmlReport::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       std::string_view caption) {
  body_ += "<div class=\"table-wrap\"><table>\n";
  if (!caption.empty()) body_ += fmt::format("<caption>{}</caption>\n", html_escape(caption));
  body_ += "<tr>";
  for (const auto& h : header) body_ += fmt::format("<th>{}</th>", html_escape(h));
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += fmt::format("<td>{}</td>", html_escape(cell));
    body_ += "</tr>\n";
  }
  body_ += "</table></div>\n";
}

void HtmlReport::key_values(const std::vector<std::pair<std::string, std::string>>& items) {
  body_ += "<dl>\n";
  for (const auto& [k, v] : items) body_ += fmt::format("<dt>{}</dt><dd>{}</dd>\n", html_escape(k), html_escape(v));
  body_ += "</dl>\n";
}

void HtmlReport::image_png(std::string_view png, std::string_view caption) {
  body_ += fmt::format("<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\"><figcaption>{0}</figcaption></figure>\n",
                       html_escape(caption), base64_encode(png));
}

void HtmlReport::image(std::string_view bytes, std::string_view mime, std::string_view caption) {
  body_ += fmt::format("<figure><img alt=\"{0}\" src=\"data:{1};base64,{2}\"><figcaption>{0}</figcaption></figure>\n",
                       html_escape(caption), html_escape(mime), base64_encode(bytes));
}

void HtmlReport::printable_figures(std::string_view summary,
                                   const std::vector<std::pair<std::string, std::string>>& captioned_webp) {
  if (captioned_webp.empty()) return;
  body_ += fmt::format("<details class=\"static-maps\"><summary>{}</summary>\n", html_escape(summary));
  for (const auto& [caption, webp] : captioned_webp) image(webp, "image/webp", caption);
  body_ += "</details>\n";
}

Status HtmlReport::interactive_map(const web::MapSpec& spec) {
  auto html = web::map_html(spec, fmt::format("skymap-{}", ++maps_));
  if (!html.ok()) return html.status();
  body_ += *html;
  return Status::Ok();
}

std::string inline_svg(std::string_view svg, std::string_view prefix, std::string_view label) {
  // The XML declaration has no place inside HTML.
  if (svg.substr(0, 5) == "<?xml") {
    const auto end = svg.find("?>");
    svg.remove_prefix(end == std::string_view::npos ? 0 : end + 2);
  }
  std::string out;
  out.reserve(svg.size() + svg.size() / 20);
  static constexpr std::string_view kRefs[] = {"id=\"", "href=\"#", "url(#"};
  std::size_t i = 0;
  while (i < svg.size()) {
    bool matched = false;
    for (std::string_view ref : kRefs) {
      if (svg.compare(i, ref.size(), ref) == 0) {
        out += ref;
        out += prefix;
        i += ref.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += svg[i++];
  }
  const auto open = out.find("<svg ");
  if (open != std::string::npos)
    out.insert(open + 5, fmt::format("role=\"img\" aria-label=\"{}\" ", html_escape(label)));
  return out;
}

void HtmlReport::image_svg(std::string_view svg, std::string_view caption) {
  // Inline (a quarter smaller than base64); its ids are prefixed so the glyphs of one chart never
  // stand in for another's.
  body_ += fmt::format("<figure class=\"chart\">{}<figcaption>{}</figcaption></figure>\n",
                       inline_svg(svg, fmt::format("c{}-", ++charts_), caption), html_escape(caption));
}

void HtmlReport::preformatted(std::string_view text, std::string_view caption) {
  if (!caption.empty()) body_ += fmt::format("<p class=\"caption\">{}</p>\n", html_escape(caption));
  body_ += fmt::format("<pre>{}</pre>\n", html_escape(text));
}

std::string HtmlReport::html() const {
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0}</title>
{2}<style>
body {{ font-family: sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}
.table-wrap {{ overflow-x: auto; margin: 1em 0; }}
table {{ border-collapse: collapse; font-size: 0.92em; }}
details.static-maps > summary {{ cursor: pointer; font-weight: bold; margin: 0.5em 0; }}
@media (max-width: 640px) {{ body {{ margin: 0.5em auto; padding: 0 0.5em; }} h1 {{ font-size: 1.4em; }} }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
th {{ background: #f0f0f0; }} td:first-child, th:first-child {{ text-align: left; }}
caption {{ text-align: left; font-weight: bold; padding-bottom: 0.3em; }}
figure {{ margin: 1em 0; }} figure img {{ max-width: 100%; border: 1px solid #ddd; }}
figure.chart > svg {{ display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }}
figcaption, .caption {{ color: #555; font-size: 0.9em; }}
pre {{ background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }}
dt {{ font-weight: bold; }} dd {{ margin: 0 0 0.4em 1.5em; font-family: monospace; word-break: break-all; }}
.note {{ background: #fff8e0; border-left: 4px solid #e6a700; padding: 0.5em 1em; }}
</style></head><body>
<h1>{0}</h1>
{1}<footer><p class="caption">Generated by skycover; this file is self-contained and works offline.</p></footer>
</body></html>
)",
                     html_escape(title_), body_, maps_ > 0 ? web::assets_html() : std::string());
}

}  // namespace skycover
