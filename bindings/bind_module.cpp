// culturesim._engine: the compiled engine behind the culturesim package. Private: analysts use
// the package's Python API, which describes scenarios as dicts and calls these functions.
#include <pybind11/pybind11.h>

#include <cstring>

#include "core/errors.hpp"
#include "core/version.hpp"

namespace py = pybind11;

namespace {

/// Sets a Python exception from an engine message. Messages may quote bytes of a damaged file,
/// which need not be valid UTF-8: those become U+FFFD rather than a UnicodeDecodeError.
void set_error(PyObject* type, const char* message) {
  PyObject* text = PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)), "replace");
  if (text == nullptr) {
    PyErr_SetString(type, "culturesim: an error whose message could not be decoded");
    return;
  }
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}

}  // namespace

namespace culturesim::bindings {
void bind_tables(py::module_& m);
void bind_run(py::module_& m);
void bind_results(py::module_& m);
void bind_schema(py::module_& m);
}  // namespace culturesim::bindings

PYBIND11_MODULE(_engine, m) {
  m.doc() = "culturesim's compiled engine (private; use the culturesim package)";
  m.attr("__version__") = CULTURESIM_VERSION_INFO;
  m.attr("engine_version") = culturesim::kEngineVersion;
  m.attr("build_info") = culturesim::kBuildInfo;

  // Typed engine errors become the Python exceptions analysts expect; never exit().
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const culturesim::InvalidValue& e) {
      set_error(PyExc_ValueError, e.what());
    } catch (const culturesim::UnknownName& e) {
      set_error(PyExc_KeyError, e.what());
    } catch (const culturesim::InsufficientResources& e) {
      // The requested size is the bad input; a clear ValueError, not a MemoryError mid-run.
      set_error(PyExc_ValueError, e.what());
    } catch (const culturesim::FileExists& e) {
      set_error(PyExc_FileExistsError, e.what());
    } catch (const culturesim::ResultsFileError& e) {
      set_error(PyExc_OSError, e.what());
    } catch (const culturesim::Interrupted& e) {
      set_error(PyExc_KeyboardInterrupt, e.what());
    }
  });

  culturesim::bindings::bind_tables(m);
  culturesim::bindings::bind_run(m);
  culturesim::bindings::bind_results(m);
  culturesim::bindings::bind_schema(m);
}
