"""Sphinx configuration of the API reference (docs/api/), built from the package's docstrings.

Sphinx with autodoc and napoleon: the Jupyter projects salesplan is built on (ipywidgets, papermill,
Voila, JupyterHub) document their APIs the same way, autodoc imports the real objects (so a renamed or
removed function breaks the build, not just a page), and ``-W`` turns every broken reference, bad
docstring markup or failed import into an error. tests/test_api_docs.py builds it that way.
Build by hand: ``sphinx-build -W --keep-going -b html docs/api docs/_build/api``.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from traitlets import TraitType, Undefined

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the checkout's package, also when it is not installed

project = "salesplan"
author = "the salesplan engineers"
copyright = "salesplan engineers, BSD-3-Clause"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []

# Docstrings here write `name` for code, as in Markdown: show it as code, never as a title reference.
default_role = "literal"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False


def _trait_docstring(app, what, name, obj, options, lines) -> None:
    """A widget's declared trait documents itself by its `help=` text and its type and default."""
    if isinstance(obj, TraitType):
        default = obj.default_value
        plain = default is not None and default is not Undefined and not repr(default).startswith("<")
        shown = f" = ``{default!r}``" if plain else ""
        lines[:] = [obj.help or "", "", f"*Trait* ``{type(obj).__name__}``{shown}."]


def _keep_traits(app, what, name, obj, skip, options):
    """Traits carry their text in `help=`, not a docstring: keep them even though autodoc sees none."""
    if isinstance(obj, TraitType) and not name.startswith("_"):
        return False
    return None


def _constructor_signature(app, what, name, obj, options, signature, return_annotation):
    """A widget class shows its constructor's parameters, not traitlets' generic ``(*args, **kwargs)``."""
    if what == "class" and signature == "(*args, **kwargs)" and "__init__" in vars(obj):
        parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
        plain = [p.replace(annotation=inspect.Parameter.empty) for p in parameters]
        return str(inspect.Signature(plain)), return_annotation
    return None


def _napoleon_sentences_for_properties(app) -> None:
    """Napoleon reads a property's first line 'X: Y' as 'type: description'; ours are sentences, so
    napoleon sees properties as methods (Google sections still work in both)."""
    from sphinx.ext.napoleon import _process_docstring

    for listener in list(app.events.listeners["autodoc-process-docstring"]):
        if listener.handler is _process_docstring:
            app.disconnect(listener.id)

    def process(app, what, name, obj, options, lines) -> None:
        _process_docstring(app, "method" if what == "property" else what, name, obj, options, lines)

    app.connect("autodoc-process-docstring", process)


def setup(app) -> None:
    _napoleon_sentences_for_properties(app)
    app.connect("autodoc-process-docstring", _trait_docstring)
    app.connect("autodoc-skip-member", _keep_traits)
    app.connect("autodoc-process-signature", _constructor_signature)
