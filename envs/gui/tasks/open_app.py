"""OpenApp: go home, find an app on the home screen, wait for it to load, tap a button inside."""

from __future__ import annotations

import numpy as np

from mmgym.envs.actions import Action, ActionType, Direction
from mmgym.envs.gui.base import GuiEnv, pick
from mmgym.envs.gui.layout import app_bar, content_area
from mmgym.envs.gui.render import natural_width, row_width, unit
from mmgym.envs.gui.screen import Box, Screen, Widget
from mmgym.envs.gui.words import APP_ACTIONS, APPS, CITIES, FIRST_NAMES, LAST_NAMES, PRODUCTS

#: What the list inside each app shows: people, places or things.
_PEOPLE_APPS = frozenset({"Mail", "Chat", "Contacts", "Calendar", "Photos", "Camera"})
_PLACE_APPS = frozenset({"Maps", "Weather", "Clock", "News"})


class OpenAppEnv(GuiEnv):
    """Open the named app and tap a button inside it ("Open Maps and tap Share").

    Description:
        A phone home screen with 8-16 app icons (name, colour and shape from ``words.APPS``) in
        a grid of random size. When the icons do not all fit, the home screen has pages, shown by
        dots at the bottom; ``scroll`` right / left turns to the next / previous page. Clicking an
        icon opens its app, and so does ``open_app(name)`` from any screen (the name matches
        case-insensitively; a name not on the home screen does nothing). An app first shows a
        loading screen (its icon and a spinner) for 0-2 steps, a time fixed per app: any
        action then only advances the loading by one step (clicks do nothing), except
        ``navigate_home`` / ``navigate_back``, which leave, and ``open_app`` of another app. A
        loaded app shows an app bar and 3-5 action buttons (``words.APP_ACTIONS``) above or
        below a list of content.

        In 40% of episodes the episode starts inside a different, loaded app. ``navigate_home``
        returns to the home screen from anywhere, and so does ``navigate_back`` from an app (each
        app shows only its root screen); ``navigate_home`` on the home screen turns to its first
        page. The expert goes home and clicks the icon on half of the seeds and uses ``open_app``
        on the other half, waits while the app loads, then clicks the button.

    Rewards:
        1.0 on the step that taps the named button inside the named app, else 0.0.

    Episode End:
        Terminated with success when the named button in the named app is tapped. Other buttons,
        other apps, content rows and empty space do nothing, so every mistake can be undone;
        ``finish`` ends the episode as a failure. Truncated by the registration's step limit.

    Version History:
        v0: initial version.
    """

    def _start(self) -> str:
        rng = self.np_random
        count = int(rng.integers(8, len(APPS) + 1))
        self._apps = self.pick_some(APPS, count)
        names = [name for name, _, _ in self._apps]
        self._wallpaper = self.pick(("paper", "white", "focus"))
        self._clock = f"{int(rng.integers(6, 13))}:{int(rng.integers(0, 60)):02d}"
        self._home_pages, self._page_of = self._home_layout()
        self._buttons: dict[str, list[str]] = {}  # each app's 3-5 action buttons
        for name in names:
            picked = self.pick_some(APP_ACTIONS, int(rng.integers(3, 6)))
            self._buttons[name] = picked
        # Each app's screen is drawn from its own seed the first time it opens, so a reset does not
        # lay out a dozen screens that the episode may never show.
        self._app_seeds = dict(zip(names, (int(s) for s in rng.integers(2**63, size=count)), strict=True))
        self._app_screens: dict[str, tuple[Widget, ...]] = {}
        self._load_time = {name: int(rng.integers(0, 3)) for name in names}
        self._target = names[int(rng.integers(count))]
        self._button = self.pick(self._buttons[self._target])
        self._by_name = bool(rng.random() < 0.5)  # how the expert opens the app
        self._page, self._loading, self._app = 0, 0, None
        if rng.random() < 0.4:
            self._app = self.pick([name for name in names if name != self._target])
        return f"Open {self._target} and tap {self._button}."

    # Layout, fixed for the episode.
    def _home_layout(self) -> tuple[list[tuple[Widget, ...]], dict[str, int]]:
        """The widgets of each home page, and the page each app is on."""
        rng = self.np_random
        u = unit(self.size)
        width, height = self.size
        m, gap = round(8 * u), round(rng.uniform(3, 8) * u)
        status = Box(m, round(2 * u), width - m, round(2 * u) + max(8, round(12 * u)))
        dots_h = max(5, round(8 * u))
        area = Box(m, status.y1 + m, width - m, height - dots_h - 2 * m)
        app_h = max(32, round(rng.uniform(40, 52) * u))
        app_w = max(natural_width("icon", name, app_h) for name, _, _ in self._apps)
        max_cols = max(1, (area.width + gap) // (app_w + gap))
        max_rows = max(1, (area.height + gap) // (app_h + gap))
        n_cols = min(max_cols, int(rng.integers(3, 6)))
        n_rows = min(max_rows, 6, -(-len(self._apps) // n_cols))
        cells = Box(area.x0, area.y0, area.x1, area.y0 + n_rows * (app_h + gap) - gap)
        cells = cells.grid(n_rows, n_cols, gap)
        per_page = n_rows * n_cols
        n_pages = -(-len(self._apps) // per_page)
        dot = max(4, round(6 * u))
        dots_x0 = (width - (2 * n_pages - 1) * dot) // 2
        dots_y0 = height - m - dots_h + (dots_h - dot) // 2
        pages, page_of = [], {}
        for page in range(n_pages):
            widgets = [Widget("label", status, text=self._clock, color="ink", on=True)]
            for k, (name, color, shape) in enumerate(self._apps[page * per_page:][:per_page]):
                cell = cells[k]
                x0, y0 = cell.x0 + (cell.width - app_w) // 2, cell.y0 + (cell.height - app_h) // 2
                box = Box(x0, y0, x0 + app_w, y0 + app_h)
                widgets.append(Widget("app", box, name=f"app:{name}", text=name, color=color,
                                      shape=shape))  # fmt: skip
                page_of[name] = page
            for i in range(n_pages if n_pages > 1 else 0):
                x0 = dots_x0 + 2 * i * dot
                widgets.append(Widget("icon", Box(x0, dots_y0, x0 + dot, dots_y0 + dot),
                                      color="ink" if i == page else "line", shape="circle"))  # fmt: skip
            pages.append(tuple(widgets))
        return pages, page_of

    def _app_screen(self, name: str) -> tuple[Widget, ...]:
        """An app's only screen, laid out the first time it is shown."""
        if name not in self._app_screens:
            app = next(app for app in self._apps if app[0] == name)
            self._app_screens[name] = self._lay_out_app(app, np.random.default_rng(self._app_seeds[name]))
        return self._app_screens[name]

    def _lay_out_app(self, app: tuple[str, str, str], rng: np.random.Generator) -> tuple[Widget, ...]:
        """An app's screen: its bar, 3-5 action buttons and a list of content rows."""
        name, color, _ = app
        u = unit(self.size)
        area = content_area(self.size)
        actions = self._buttons[name]
        button_h = max(12, round(rng.uniform(18, 26) * u))
        gap = round(rng.uniform(4, 8) * u)
        colors = ("blue", "green", "purple", "gray", "black", "red")
        button_color = pick(rng, colors)
        boxes = _flow([natural_width("button", a, button_h) + round(rng.uniform(4, 16) * u)
                       for a in actions], area, button_h, gap)  # fmt: skip
        toolbar_h = boxes[-1].y1 - area.y0
        row_h = max(12, round(rng.uniform(20, 26) * u))
        on_top = bool(rng.random() < 0.5)
        list_top = area.y0 + toolbar_h + gap if on_top else area.y0
        n_rows = min(6, (area.height - toolbar_h - gap) // row_h)
        if not on_top:  # the toolbar sits at the bottom of the screen instead
            shift = area.y1 - boxes[-1].y1
            boxes = [Box(b.x0, b.y0 + shift, b.x1, b.y1 + shift) for b in boxes]
        bar = "orange" if color == "yellow" else color  # white titles stay readable
        widgets = list(app_bar(self.size, name, bar))
        for i in range(n_rows):
            text, label = _content_row(name, rng)
            box = Box(0, list_top + i * row_h, self.size[0], list_top + (i + 1) * row_h)
            if row_width(text, label, row_h, icon=False) > box.width:
                label = ""
            widgets.append(Widget("row", box, text=text, label=label))
        for action, box in zip(actions, boxes, strict=True):
            widgets.append(Widget("button", box, name=f"button:{action}", text=action,
                                  color=button_color))  # fmt: skip
        return tuple(widgets)

    def _loading_screen(self) -> tuple[Widget, ...]:
        name, color, shape = next(app for app in self._apps if app[0] == self._app)
        u = unit(self.size)
        width, height = self.size
        app_h = max(32, round(64 * u))
        app_w = natural_width("icon", name, app_h)
        spin = max(40, round(56 * u))
        y0 = (height - app_h - spin) // 2
        x0 = (width - app_w) // 2
        return (
            Widget("app", Box(x0, y0, x0 + app_w, y0 + app_h), text=name, color=color, shape=shape),
            Widget("spinner", Box((width - spin) // 2, y0 + app_h, (width + spin) // 2,
                                  y0 + app_h + spin), text="Loading...", color=color),
        )  # fmt: skip

    # The task's hooks.
    def _screen(self) -> Screen:
        if self._app is None:
            return Screen(self._home_pages[self._page], background=self._wallpaper)
        if self._loading:
            return Screen(self._loading_screen())
        return Screen(self._app_screen(self._app))

    def _open(self, name: str) -> None:
        self._app, self._loading = name, self._load_time[name]

    def _act(self, action: Action, target: Widget | None) -> bool | None:
        kind = action.type
        if kind == ActionType.NAVIGATE_HOME or (kind == ActionType.NAVIGATE_BACK and self._app):
            if kind == ActionType.NAVIGATE_HOME and self._app is None:
                self._page = 0
            self._app, self._loading = None, 0
            return None
        if kind == ActionType.OPEN_APP:
            wanted = (action.text or "").strip().lower()
            name = next((n for n in self._page_of if n.lower() == wanted), None)
            if name is not None and name != self._app:
                self._open(name)
                return None
        if self._loading:
            self._loading -= 1
            return None
        if self._app is None:
            if kind == ActionType.CLICK and target is not None and target.name.startswith("app:"):
                self._open(target.text)
            elif kind == ActionType.SCROLL and action.direction == Direction.RIGHT:
                self._page = min(self._page + 1, len(self._home_pages) - 1)
            elif kind == ActionType.SCROLL and action.direction == Direction.LEFT:
                self._page = max(self._page - 1, 0)
            return None
        if kind == ActionType.CLICK and target is not None and self._app == self._target:
            return True if target.name == f"button:{self._button}" else None
        return None

    def _oracle(self) -> Action:
        if self._app == self._target:
            if self._loading:
                return Action.wait()
            return self.click_on(self._screen_shown.find(f"button:{self._button}"))
        if self._by_name:
            return Action.open_app(self._target)
        if self._app is not None:
            return Action.home()
        page = self._page_of[self._target]
        if page != self._page:
            return Action.scroll(Direction.RIGHT if page > self._page else Direction.LEFT)
        return self.click_on(self._screen_shown.find(f"app:{self._target}"))


def _flow(widths: list[int], area: Box, height: int, gap: int) -> list[Box]:
    """Boxes of ``widths`` laid out left to right from the top of ``area``, wrapping lines."""
    boxes: list[Box] = []
    x, y = area.x0, area.y0
    for width in widths:
        width = min(width, area.width)
        if x + width > area.x1 and x > area.x0:
            x, y = area.x0, y + height + gap
        boxes.append(Box(x, y, x + width, y + height))
        x += width + gap
    return boxes


def _content_row(app: str, rng: np.random.Generator) -> tuple[str, str]:
    """A row of an app's list: a person with a time, a place with a number, or a thing."""
    if app in _PEOPLE_APPS:
        name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
        return name, f"{int(rng.integers(1, 13))}:{int(rng.integers(0, 60)):02d}"
    if app in _PLACE_APPS:
        return pick(rng, CITIES), f"{int(rng.integers(1, 40))} km"
    return pick(rng, PRODUCTS), str(int(rng.integers(1, 100)))
