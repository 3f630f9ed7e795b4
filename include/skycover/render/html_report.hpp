// A self-contained, offline HTML report: headings, paragraphs, tables, images inlined as data URIs
// (PNG, and SVG as base64 so each chart keeps its own glyph ids), preformatted text.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skycover {

std::string html_escape(std::string_view text);
std::string base64_encode(std::string_view bytes);

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
  void image_svg(std::string_view svg_document, std::string_view caption);
  void preformatted(std::string_view text, std::string_view caption = {});
  std::string html() const;

 private:
  std::string title_;
  std::string body_;
};

}  // namespace skycover
