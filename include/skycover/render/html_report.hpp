// A self-contained, offline HTML report: headings, paragraphs, tables, images inlined as data URIs
// (PNG, WebP), SVG charts inline (ids prefixed per chart), preformatted text, and
// interactive maps. Readable from a 400 px phone to print: wide tables scroll inside their box.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/render/web_map.hpp"

namespace skycover {

std::string html_escape(std::string_view text);
std::string base64_encode(std::string_view bytes);
// An SVG document as an element of an HTML page: no XML declaration, every id (and every
// reference to one) prefixed with `prefix`, labelled for screen readers.
std::string inline_svg(std::string_view svg, std::string_view prefix, std::string_view label);

class HtmlReport {
 public:
  explicit HtmlReport(std::string title);
  void heading(std::string_view text, int level = 2);
  void paragraph(std::string_view text);           // escaped
  void raw_html(std::string_view html);            // trusted markup built by skycover
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             std::string_view caption = {});
  void key_values(const std::vector<std::pair<std::string, std::string>>& items);
  void image_png(std::string_view png_bytes, std::string_view caption);
  void image(std::string_view bytes, std::string_view mime, std::string_view caption);
  // Figures in a section that is collapsed on screen and opened for printing ("Static maps").
  void printable_figures(std::string_view summary, const std::vector<std::pair<std::string, std::string>>& captioned_webp);
  // The interactive map (render/web_map.hpp); Leaflet and the viewer go into the page once.
  Status interactive_map(const web::MapSpec& spec);
  void image_svg(std::string_view svg_document, std::string_view caption);
  void preformatted(std::string_view text, std::string_view caption = {});
  std::string html() const;

 private:
  std::string title_;
  std::string body_;
  int maps_ = 0;
  int charts_ = 0;
};

}  // namespace skycover
