#include "onnxkit/view/page.h"

#include "view/json_out.h"
#include "view/page_assets.h"
#include "view/page_data.h"

namespace onnxkit::view {

namespace detail {

std::string page_asset(std::string_view name) {
  std::string text;
  for (const PageAsset& a : page_assets()) {
    if (a.name != name) continue;
    for (std::string_view piece : a.pieces) text += piece;
  }
  return text;
}

}  // namespace detail

namespace {

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string model_view_json(const ir::Model& model, const ViewOptions& options) {
  detail::PageWriter writer({&model}, options.registry);
  if (model.graph) writer.add_graph(detail::graph_data(*model.graph, 0), true);
  std::string extra;
  if (options.editable && !options.save_dir.empty()) {
    extra = ",\"saveDir\":";
    detail::json_string(extra, options.save_dir);
  }
  return writer.write("view", options.editable, extra);
}

std::string render_page(std::string_view data_json, std::string_view title) {
  std::string out;
  out.reserve(data_json.size() + 200000);
  // No network: everything is inline; the policy also keeps a page that is
  // served from talking to any origin but its own.
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data: blob:; "
      "connect-src 'self'\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>";
  out += html_escape(title);
  out += "</title>\n<style>\n";
  out += detail::page_asset("viewer.css");
  out += "</style>\n</head>\n<body>\n";
  out += detail::page_asset("viewer.html");
  // The data is JSON whose '<', '>' and '&' are \u escapes (json_out.h), so it
  // cannot close this element.
  out += "<script type=\"application/json\" id=\"model-data\">";
  out += data_json;
  out += "</script>\n<script>\n";
  out += detail::page_asset("viewer.js");
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace onnxkit::view
