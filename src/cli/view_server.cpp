#include "cli/view_server.h"

#include <httplib.h>

#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/model_files.h"
#include "onnxkit/check/checker.h"
#include "onnxkit/core/error.h"
#include "onnxkit/edit/operations.h"
#include "onnxkit/infer/infer.h"
#include "onnxkit/view/page.h"

namespace onnxkit::cli {
namespace {

/// The model being edited and what the page needs to show it.
class EditSession {
 public:
  EditSession(std::filesystem::path path, const ServeOptions& options)
      : path_(std::move(path)), options_(options), model_(load_model(path_)) {}

  std::string page() {
    std::lock_guard lock(mutex_);
    return view::render_page(data(), path_.filename().string());
  }

  /// Applies one edit; returns {"notes": [...], "data": {...}}.
  std::string edit(const nlohmann::json& request) {
    std::lock_guard lock(mutex_);
    edit::Notes notes;
    ir::Graph& graph = *model_.graph;
    const std::string op = request.value("op", "");
    if (op == "set-input-shape") {
      edit::set_input_shape(graph, request.at("input").get<std::string>(),
                            edit::parse_dims(request.at("dims").get<std::string>()));
      refresh_shapes(notes);
    } else {
      ir::Node& node = node_at(request);
      if (op == "bypass") {
        edit::bypass_node(node, &notes);
        edit::cleanup(graph);
      } else if (op == "remove") {
        edit::remove_node(node, &notes);
        edit::cleanup(graph);
      } else if (op == "rename") {
        const std::string to = request.at("to").get<std::string>();
        if (node.name().empty()) {
          node.set_name(to);
        } else {
          edit::rename_node(graph, node.name(), to);
        }
      } else {
        throw Error("unknown edit '" + op + "'");
      }
    }
    warn_if_invalid(notes);
    nlohmann::json head = {{"notes", notes}};
    std::string reply = head.dump();
    reply.pop_back();  // '}': the page data follows as a member
    return reply + ",\"data\":" + data() + "}";
  }

  /// Saves under the save folder; `name` must be a plain file name. Returns
  /// the path written, or throws Conflict when it exists and `overwrite` is false.
  std::filesystem::path save(const std::string& name, bool overwrite) {
    std::lock_guard lock(mutex_);
    const std::filesystem::path file(name);
    if (name.empty() || file.filename() != file || name == "." || name == ".." ||
        name.front() == '.' || name.find_first_of("/\\") != std::string::npos) {
      throw Error("'" + name + "' is not a plain file name (the model is saved in " +
                  options_.save_dir.string() + ")");
    }
    const std::filesystem::path target = options_.save_dir / file;
    std::error_code ec;
    const bool is_input = std::filesystem::equivalent(target, path_, ec);
    if (!overwrite && (is_input || std::filesystem::exists(target))) {
      throw Conflict(target.string() + (is_input ? " is the model being edited" : " exists"));
    }
    save_model(model_, target);
    return target;
  }

  struct Conflict : Error {
    using Error::Error;
  };

 private:
  /// A new input shape makes every derived shape stale: forget the shapes
  /// of node outputs (value_info and graph outputs; element types and ranks
  /// kept) and infer them again, so the saved model is consistent.
  void refresh_shapes(edit::Notes& notes) {
    ir::Graph& graph = *model_.graph;
    auto forget_dims = [](ir::ValueInfo& info) {
      // Rank kept (a graph output must declare a shape), dims forgotten.
      if (info.type && info.type->is_tensor() && info.type->shape) {
        for (Dim& d : info.type->shape->dims) d = Dim::unknown();
        info.type->shape->dim_extras.clear();
      }
    };
    for (const auto& node : graph.nodes()) {
      for (ir::Tensor* t : node->outputs()) {
        if (t) forget_dims(t->info());
      }
    }
    for (auto& o : graph.declaration_overrides()) {
      if (o.list != ir::Graph::DeclarationOverride::List::kInput) forget_dims(o.info);
    }
    graph.value_info().clear();
    // Overrides of value_info entries point at positions that no longer exist.
    std::erase_if(graph.declaration_overrides(), [](const auto& o) {
      return o.list == ir::Graph::DeclarationOverride::List::kValueInfo;
    });
    infer::InferOptions options;
    options.registry = options_.registry;
    const infer::InferReport report = infer::infer_shapes(model_, options);
    for (const auto& issue : report.issues) {
      notes.push_back("shape inference: " + issue.location + ": " + issue.message);
    }
  }

  /// Tells the page when saving now would give a model `onnxkit check` rejects.
  void warn_if_invalid(edit::Notes& notes) {
    check::CheckOptions options;
    options.registry = options_.registry;
    options.check_external_files = false;
    for (const auto& p : check::check_model(model_, options)) {
      if (p.severity == check::Severity::kError) {
        notes.push_back("warning: onnxkit check would fail: " + check::problem_to_string(p));
        return;
      }
    }
  }

  std::string data() {
    view::ViewOptions options;
    options.registry = options_.registry;
    options.editable = true;
    options.save_dir = options_.save_dir.string();
    return view::model_view_json(model_, options);
  }

  ir::Node& node_at(const nlohmann::json& request) {
    const auto index = request.at("node").get<std::size_t>();
    const auto& nodes = model_.graph->nodes();
    // The page names the node it showed; refuse if the model moved on.
    if (index >= nodes.size() || nodes[index]->name() != request.value("name", "")) {
      throw Error("node " + std::to_string(index) + " is not '" + request.value("name", "") +
                  "' any more; reload the page");
    }
    return *nodes[index];
  }

  std::filesystem::path path_;
  ServeOptions options_;
  ir::Model model_;
  std::mutex mutex_;
};

void json_reply(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

std::string error_json(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump();
}

}  // namespace

int serve_model(const std::filesystem::path& model_path, const ServeOptions& options) {
  EditSession session(model_path, options);
  httplib::Server server;
  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port < 0) throw Error("cannot listen on 127.0.0.1:" + std::to_string(options.port));
  const std::string port_text = std::to_string(port);
  const std::string hosts[] = {"127.0.0.1:" + port_text, "localhost:" + port_text};
  // DNS rebinding and cross-site requests: only our own host names, and only
  // our own origin when the browser says where a request comes from.
  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host");
    const std::string origin = req.get_header_value("Origin");
    const bool host_ok = host == hosts[0] || host == hosts[1];
    const bool origin_ok =
        origin.empty() || origin == "http://" + hosts[0] || origin == "http://" + hosts[1];
    if (host_ok && origin_ok) return httplib::Server::HandlerResponse::Unhandled;
    json_reply(res, 403, error_json("foreign Host or Origin refused"));
    return httplib::Server::HandlerResponse::Handled;
  });
  server.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(session.page(), "text/html; charset=utf-8");
  });
  auto guarded = [&](auto&& body) {
    return [body](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-Onnxkit") != "1") {
        json_reply(res, 403, error_json("missing X-Onnxkit header"));
        return;
      }
      try {
        body(nlohmann::json::parse(req.body), res);
      } catch (const EditSession::Conflict& e) {
        json_reply(res, 409, error_json(e.message()));
      } catch (const Error& e) {
        json_reply(
            res, 400,
            error_json(e.location().empty() ? e.message() : e.location() + ": " + e.message()));
      } catch (const std::exception& e) {
        json_reply(res, 400, error_json(e.what()));
      }
    };
  };
  server.Post("/api/edit", guarded([&](const nlohmann::json& request, httplib::Response& res) {
                json_reply(res, 200, session.edit(request));
              }));
  server.Post("/api/save", guarded([&](const nlohmann::json& request, httplib::Response& res) {
                const auto path = session.save(request.at("name").get<std::string>(),
                                               request.value("overwrite", false));
                json_reply(res, 200, nlohmann::json{{"path", path.string()}}.dump());
              }));
  std::cout << "serving " << model_path.filename().string() << " at http://127.0.0.1:" << port
            << "/ (saving to " << options.save_dir.string() << "; Ctrl-C to stop)" << std::endl;
  if (!server.listen_after_bind()) throw Error("the server stopped unexpectedly");
  return 0;
}

}  // namespace onnxkit::cli

// The entry point `onnxkit view --serve` looks up after dlopen (view_server_loader.cpp).
extern "C" __attribute__((visibility("default"))) int onnxkit_serve_model(
    const std::filesystem::path* model_path, const onnxkit::cli::ServeOptions* options) {
  return onnxkit::cli::serve_model(*model_path, *options);
}
