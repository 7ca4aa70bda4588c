"""Every use of Streamlit's (and streamlit-folium's) private parts, in one place.

Each use below says why no public API does the job.  ``tests/test_internals.py`` checks that
every private name used here still exists in the installed versions, so an upgrade fails there,
loudly, instead of breaking the app quietly; ``pyproject.toml`` pins the versions it was
written against (Streamlit 1.67, streamlit-folium 0.27).

Public APIs used instead, elsewhere: ``st.navigation``/``st.Page`` (app.py), ``st.switch_page``
(a link with ``?page=``), ``st.query_params`` (the URL state, ``webapp.session``) and
``st.context.url`` (share links).  What is left:

1. :func:`app_shell_guard`: leave Streamlit's legacy ``pages/`` mode (``PagesManager``).
2. :func:`steady_navigation_for_apptest`: the same, for ``AppTest`` runs (tests only).
3. :data:`STREAMLIT_URL_HOOKS`: JavaScript handed to the map's address-bar script
   (``layers.assets.add_view_in_address_bar``); it tells the Streamlit frontend about the new
   query string and keeps ``lat``/``lon``/``z`` on page switches.
4. ``STREAMLIT_FOLIUM_GLOBALS``: the names of streamlit-folium's frame globals that script reads.
"""

from __future__ import annotations

import streamlit as st

# Private: the page registry's class.  Import it at module level, so a Streamlit that moved it
# fails when the app starts, not at the first deep link.
from streamlit.runtime.pages_manager import PagesManager

#: The class attribute flipped by :func:`app_shell_guard` (checked by tests/test_internals.py).
PAGES_MODE_FLAG = "uses_pages_directory"


# --- 1. the app shell must run ----------------------------------------------------------
def app_shell_guard() -> None:
    """Make sure this run goes through ``app.py`` (navigation, sidebar, URL state).

    Why private: with a ``pages/`` folder next to ``app.py`` (the design keeps that name),
    Streamlit 1.67 starts in its legacy multipage mode until some session calls
    ``st.navigation``, and in that mode a deep link (``/trends``) opened first after the server
    starts runs the page script alone, without the shared sidebar and the URL state.  No public
    option turns the legacy mode off (``st.navigation`` itself flips this same class flag, in
    ``streamlit/commands/navigation.py``).  Switch the mode off and rerun through ``app.py``.
    """
    if getattr(PagesManager, PAGES_MODE_FLAG):
        setattr(PagesManager, PAGES_MODE_FLAG, False)
        st.rerun()


# --- 2. the same for AppTest -------------------------------------------------------------
def steady_navigation_for_apptest(monkeypatch) -> None:
    """Give every ``AppTest`` run the navigation mode of a running server (tests only).

    Why private: ``AppTest`` (Streamlit 1.67) resets ``PagesManager.uses_pages_directory``
    before every run, so with ``pages/`` present each run would start in the legacy mode and
    :func:`app_shell_guard` would rerun it -- losing a button click, which is true for one run
    only.  A real server leaves that mode for good after the first ``st.navigation``.  Patches
    ``PagesManager.__init__`` through pytest's ``monkeypatch`` (undone after the test).

    Parameters
    ----------
    monkeypatch : pytest.MonkeyPatch
        The test's fixture.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        setattr(PagesManager, PAGES_MODE_FLAG, False)

    monkeypatch.setattr(PagesManager, "__init__", init)


# --- 3. the Streamlit frontend and the map's address-bar script ----------------------------
#: Names in Streamlit's frontend bundle that :data:`STREAMLIT_URL_HOOKS` relies on (checked by
#: tests/test_internals.py against ``streamlit/static``).
FRONTEND_NAMES = ("__reactContainer$", "syncQueryParams", "widgetMgr", "filterParamsForPageChange")

#: streamlit-folium's globals in the map frame read by ``layers.assets``'s address-bar script:
#: ``window.__GLOBAL_DATA__.last_center`` / ``last_zoom`` are the centre and zoom the app last
#: applied (no public API tells the frame's scripts that the app's own view is in place).
STREAMLIT_FOLIUM_GLOBALS = ("__GLOBAL_DATA__", "last_center", "last_zoom")

#: A JavaScript function expression ``function (host, query)`` that the map's address-bar
#: script calls after it has written ``lat``/``lon``/``z`` into the page's address bar with
#: ``history.replaceState`` (fixed source, no user text, no URL).
#:
#: Why private: Streamlit 1.67's frontend sends its own copy of the query string with each
#: rerun (set from the server's last write), not ``location.search``; a script in a component
#: frame has no public way to update that copy, and ``st.query_params`` is server-side (writing
#: it from Python needs a rerun per pan, which reloads the map).  So the hook
#:
#: - finds the frontend's ``App`` component by walking React's internal fibre tree from
#:   ``#root`` (``__reactContainer$...``, then ``child``/``sibling``), recognised by its
#:   ``syncQueryParams`` method and ``widgetMgr``;
#: - calls ``syncQueryParams(query)``, which is what Streamlit itself does when a widget bound
#:   with ``bind="query-params"`` changes (that public binding needs a widget whose value the
#:   frontend owns; the map's view is not one);
#: - wraps ``widgetMgr.filterParamsForPageChange`` so a page switch carries ``lat``/``lon``/``z``
#:   from the address bar (Streamlit clears other parameters on a page switch).
#:
#: Without the hook (another Streamlit) the address bar is still right until the next run.
STREAMLIT_URL_HOOKS = r"""(function () {
  var app = null;
  function findApp(host) {
    if (app) { return app; }
    var root = host.document.getElementById("root");
    if (!root) { return null; }
    var key = Object.keys(root).filter(function (k) { return k.indexOf("__reactContainer$") === 0; })[0];
    var stack = key ? [root[key]] : [], seen = 0;
    while (stack.length && seen < 20000) {
      var f = stack.pop(); seen += 1;
      if (!f) { continue; }
      var s = f.stateNode;
      if (s && typeof s.syncQueryParams === "function" && s.widgetMgr) { app = s; return app; }
      if (f.sibling) { stack.push(f.sibling); }
      if (f.child) { stack.push(f.child); }
    }
    return null;
  }
  function keepOnPageSwitch(host, a) {
    var wm = a.widgetMgr;
    if (!wm || wm.__scmKeepsMapView || typeof wm.filterParamsForPageChange !== "function") { return; }
    // Built in the page's own realm, so it outlives the map's frame (fixed source, no user text).
    var make = new host.Function("orig", "loc",
      "return function (q) { var r = orig.call(this, q); try {" +
      " var keep = String(loc.search).replace(/^\\?/, '').split('&').filter(function (p) {" +
      " var k = p.split('=')[0]; return k === 'lat' || k === 'lon' || k === 'z'; });" +
      " if (keep.length) { r = r ? r + '&' + keep.join('&') : keep.join('&'); } } catch (e) {} return r; };");
    wm.filterParamsForPageChange = make(wm.filterParamsForPageChange, host.location);
    wm.__scmKeepsMapView = true;
  }
  return function (host, query) {
    var a = findApp(host);
    if (a) { keepOnPageSwitch(host, a); a.syncQueryParams(query); }
  };
})()"""
