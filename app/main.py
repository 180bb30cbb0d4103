"""Starts the 掌上查 app: ``python -m app`` serves the web client (phone builds use ``main``)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import flet as ft
import flet_geolocator as ftg
from flet_secure_storage import SecureStorage

from sync import Role, TaskJson

from . import strings as s
from .config import Config, load_config
from .domain.inspection import task_off_site
from .services.files import FileService
from .services.keys import FileKeyVault, KeyVault, SecureStorageVault
from .services.location import LocationService
from .services.paper import PaperService
from .services.supervisor import ExportFile, PlatformError
from .state import STORE_FILE, AppState, SupervisorSession, data_dir
from .store import Enrolment, LocalStore
from .viewmodels.inspection import InspectionModel
from .viewmodels.lookup import EnterpriseModel
from .viewmodels.review import ReviewRecordModel
from .viewmodels.sync import signed_message
from .viewmodels.year_overview import YearOverviewModel
from .views.acknowledge import AcknowledgeView
from .views.code import CodeView
from .views.enrol import EnrolView
from .views.inspect import InspectView
from .views.lookup import EnterpriseView
from .views.notice import NoticeView
from .views.own_record import OwnRecordView
from .views.partners import PartnersView
from .views.review_record import PhotoView, ReviewRecordView
from .views.shell import ShellView
from .views.supervisor_shell import SupervisorShellView
from .views.task_detail import TaskDetailView
from .views.year_overview import YearOverviewView

CHINESE = ft.Locale("zh", "CN", "Hans")
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
FONTS = {"CJK": "fonts/ZSCSans-Regular.otf", "CJK Bold": "fonts/ZSCSans-Bold.otf"}
"""The CJK font for desktop and phone builds. The web client gets it from
assets/assets/FontManifest.json instead (see ``main``)."""


class Router:
    """Builds ``page.views`` from the route. An inspector's: / → /task/ID → /task/ID/code |
    /task/ID/inspect (检查告知 first for a first inspection, before its draft exists; then the
    form) → /task/ID/inspect/acknowledge, and / → /lookup/CREDIT_CODE (信息查询, read from the
    platform once). A supervisor's: / → /review/ID → /review/ID/photo/SHA256, from the
    ledger / → /ledger/ID (read only) → /ledger/ID/photo/SHA256, and from 统计 / → /year
    (年度计划执行情况) and / → /partners (联合抽查确认, also from 审核's banner)."""

    def __init__(self, page: ft.Page, app: AppState) -> None:
        self.page = page
        self.app = app
        self.shell: ShellView | None = None
        self.supervisor_shell: SupervisorShellView | None = None
        self.record_model: ReviewRecordModel | None = None
        self.year_view: YearOverviewView | None = None
        self.partners_view: PartnersView | None = None
        """年度计划执行情况, kept while the supervisor is enrolled: the year chosen stays."""
        self.sync_task: asyncio.Task[None] | None = None
        self.refresh: asyncio.Task[None] | None = None
        """The task screen redrawn after a sync (kept: the loop holds tasks only weakly)."""
        self.begun: set[str] = set()
        """Tasks whose draft the notice has just begun: their form asks for the position once."""
        page.on_route_change = self.route_change
        page.on_view_pop = self.view_pop
        page.on_close = self.close

    async def go(self, route: str) -> None:
        await self.page.push_route(route)

    def navigate(self, route: str) -> None:
        """Go to ``route`` from a tap handler, without waiting for the new views."""
        self.page.run_task(self.go, route)

    def root(self) -> ft.View:
        if self.app.supervisor is not None:
            if self.supervisor_shell is None:
                self.supervisor_shell = SupervisorShellView(
                    self.app.supervisor, lambda record_id: self.navigate(f"/review/{record_id}"),
                    self.save_export, self.sign_out,
                    lambda record_id: self.navigate(f"/ledger/{record_id}"),
                    lambda: self.navigate("/partners"))
            return self.supervisor_shell
        session = self.app.session
        if session is None:
            return EnrolView(self.app, self.enrolled)
        if self.shell is None:
            self.shell = ShellView(session, lambda task_id: self.navigate(f"/task/{task_id}"),
                                   lambda code: self.navigate(f"/lookup/{code}"),
                                   lambda task_id, record_id: self.navigate(f"/task/{task_id}/record/{record_id}"),
                                   self.sign_out)
        return self.shell

    async def enrolled(self, enrolment: Enrolment) -> None:
        self.start(enrolment)
        await self.route_change()

    @staticmethod
    async def first_reads(supervisor: SupervisorSession) -> None:
        """A supervisor's first screen: the queue, and whether joint plans wait for an answer."""
        await asyncio.gather(supervisor.queue.load(), supervisor.partners.load())

    def start(self, enrolment: Enrolment) -> None:
        if enrolment.role == Role.SUPERVISOR:
            supervisor = self.app.start_supervisor(enrolment)
            self.sync_task = asyncio.ensure_future(self.first_reads(supervisor))
            return
        session = self.app.start_session(enrolment)
        session.task_list.load()
        session.sync_model.on_synced.append(self.synced)
        self.sync_task = asyncio.ensure_future(session.sync_model.run_automatically())

    async def route_change(self, _: object = None) -> None:
        parts = [p for p in (self.page.route or "/").split("/") if p]
        views = [self.root()]
        session = self.app.session
        if session is not None and len(parts) >= 2 and parts[0] == "task":
            task = session.tasks.task(parts[1])
            if task is None:
                self.page.show_dialog(ft.SnackBar(ft.Text(s.TASK_NOT_FOUND)))
            else:
                task_id = task["id"]
                views.append(TaskDetailView(
                    task, session.tasks,
                    show_code=lambda: self.navigate(f"/task/{task_id}/code"),
                    inspect=lambda: self.navigate(f"/task/{task_id}/inspect"),
                    discard=lambda: self.confirm_discard(task_id),
                    save_paper=lambda record_id: self.start_save_paper(task, record_id),
                    open_record=lambda record_id: self.navigate(f"/task/{task_id}/record/{record_id}")))
                if parts[2:] == ["code"]:
                    views.append(CodeView(task, session.enrolment.server_url))
                elif len(parts) == 4 and parts[2] == "record":
                    row = session.tasks.own_record(task_id, parts[3])
                    if row is not None:
                        views.append(OwnRecordView(row, task, session.photos.thumbnail))
                elif parts[2:3] == ["inspect"]:
                    views += self.inspection_views(task, parts[2:])
        if session is not None and len(parts) == 2 and parts[0] == "lookup":
            enterprise = EnterpriseModel(session.lookup.service, parts[1])
            await enterprise.load()
            views.append(EnterpriseView(enterprise))
        if self.app.supervisor is not None and len(parts) >= 2 and parts[0] in ("review", "ledger"):
            views += await self.review_views(parts[1], parts[2:], from_ledger=parts[0] == "ledger")
        if self.app.supervisor is not None and parts == ["year"]:
            views.append(await self.year_overview())
        if self.app.supervisor is not None and parts == ["partners"]:
            views.append(await self.partners())
        self.page.views.clear()
        self.page.views.extend(views)
        self.page.update()

    def inspection_views(self, task: TaskJson, rest: list[str]) -> list[ft.View]:
        """The notice first when the task has no draft yet (a first inspection); then the form,
        and 企业确认 over it."""
        session = self.app.session
        assert session is not None
        task_id = task["id"]
        supersedes = session.tasks.supersedes(task)
        revising = session.tasks.signed_record(task_id, supersedes) if supersedes else None
        draft = session.inspections.load_draft(task_id)
        if draft is None and supersedes is None and task_off_site(task):
            # 书面检查 and 网络监测 alone: done from the office, no notice to give (issue 27)
            draft = session.inspections.start(task, notice_shown=False)
            self.begun.add(task_id)
        if (draft is None and supersedes is None) or (draft is not None and draft.needs_notice):
            return [NoticeView(task, start=lambda shown: self.notice_given(task, shown),
                               recuse=lambda who, why: self.recusal(task, who, why))]
        if draft is None and revising is None:
            self.page.show_dialog(ft.SnackBar(ft.Text(s.REVISE_ON_SIGNING_PHONE), duration=6000))
            return []
        # One model for the form and 企业确认 (one draft, one owner), read afresh from the store
        # on each route: every change was saved as it happened.
        model = InspectionModel(task, session.inspections, session.photos, supersedes=supersedes,
                                revising=revising, review_comment=session.tasks.review_comment(task),
                                begun=task_id in self.begun)
        self.begun.discard(task_id)
        session.task_list.load()
        views: list[ft.View] = [InspectView(
            model, files=self.app.files, location=self.app.location,
            on_signed=lambda record_id: self.signed(task_id, record_id),
            acknowledge=lambda: self.navigate(f"/task/{task_id}/inspect/acknowledge"))]
        if rest == ["inspect", "acknowledge"]:
            views.append(AcknowledgeView(model, files=self.app.files,
                                         on_signed=lambda record_id: self.signed(task_id, record_id)))
        return views

    async def notice_given(self, task: TaskJson, shown: bool) -> None:
        """The notice was shown (or nobody was there): the draft begins, and with it the form."""
        session = self.app.session
        assert session is not None
        session.inspections.start(task, notice_shown=shown)
        self.begun.add(task["id"])
        session.task_list.load()
        await self.route_change()  # the same route, /task/ID/inspect, now with its draft

    async def recusal(self, task: TaskJson, inspector_id: str, reason: str) -> None:
        """The enterprise asked an inspector to withdraw: kept, sent with the next sync, and the
        inspection does not go ahead (``ValueError`` for the dialog when incomplete)."""
        session = self.app.session
        assert session is not None
        session.inspections.request_recusal(task, inspector_id, reason)
        self.page.pop_dialog()
        session.task_list.load()
        await self.go(f"/task/{task['id']}")
        self.page.show_dialog(ft.SnackBar(ft.Text(s.RECUSAL_DONE), duration=4000))
        if session.sync_model.online:
            await session.sync_model.sync_now()

    async def review_views(self, record_id: str, rest: list[str], *,
                           from_ledger: bool = False) -> list[ft.View]:
        """/review/ID (the record, read from the platform once) and /review/ID/photo/SHA256;
        /ledger/ID[/photo/SHA256] is the same record opened from the ledger, to read only
        (no decision there), whose back arrow returns to the ledger as it was left."""
        supervisor = self.app.supervisor
        assert supervisor is not None
        prefix = "ledger" if from_ledger else "review"
        model = self.record_model
        if model is None or model.record_id != record_id or model.read_only != from_ledger:
            model = self.record_model = ReviewRecordModel(supervisor.service, record_id,
                                                          on_decided=supervisor.queue.load,
                                                          read_only=from_ledger)
            await model.load()
        record_view = ReviewRecordView(
            model, open_photo=lambda sha: self.navigate(f"/{prefix}/{record_id}/photo/{sha}"),
            decided=self.decided, save=self.save_export, files=self.app.files)
        record_view.route = f"/{prefix}/{record_id}"
        views: list[ft.View] = [record_view]
        if len(rest) == 2 and rest[0] == "photo":
            try:
                photo = PhotoView(record_id, rest[1], await model.photo(rest[1]), None)
            except PlatformError as e:
                photo = PhotoView(record_id, rest[1], None, str(e))
            photo.route = f"/{prefix}/{record_id}/photo/{rest[1]}"
            views.append(photo)
        return views

    async def year_overview(self) -> YearOverviewView:
        """/year: the year's plans of the supervisor's department, read from the platform each
        time it is opened."""
        assert self.app.supervisor is not None
        if self.year_view is None:
            self.year_view = YearOverviewView(YearOverviewModel(self.app.supervisor.service))
        await self.year_view.model.load()
        return self.year_view

    async def partners(self) -> PartnersView:
        """/partners: the joint plans asking the supervisor's department to confirm its part,
        read from the platform each time it is opened (one view: the model is the session's)."""
        assert self.app.supervisor is not None
        if self.partners_view is None:
            self.partners_view = PartnersView(self.app.supervisor.partners)
        self.app.supervisor.partners.message = None
        await self.app.supervisor.partners.load()
        return self.partners_view

    async def decided(self, message: str) -> None:
        """A decision went through: back to the queue, which says so."""
        self.record_model = self.year_view = None
        await self.go("/")
        self.page.show_dialog(ft.SnackBar(ft.Text(message), duration=4000))

    async def save_export(self, exported: ExportFile) -> str:
        """Hand the exported file to the browser (a download) or the system's save dialog."""
        assert self.app.files is not None
        path = await self.app.files.save(exported.name, exported.data)
        return s.STATS_EXPORT_SAVED.format(path=path) if path else s.STATS_EXPORTED.format(name=exported.name)

    def start_save_paper(self, task: TaskJson, record_id: str) -> None:
        self.page.run_task(self.save_paper, task, record_id)

    async def save_paper(self, task: TaskJson, record_id: str) -> None:
        """The enterprise's copy: the record's PDF, drawn on the phone, offline, then shared or
        saved (a download in the web client)."""
        session = self.app.session
        assert session is not None and self.app.files is not None
        paper = PaperService(self.app.store, session.enrolment.server_url)
        try:
            data = await asyncio.to_thread(paper.render, task, record_id)
        except (KeyError, ValueError, OSError) as e:
            self.page.show_dialog(ft.SnackBar(ft.Text(s.PAPER_FAILED.format(message=e))))
            return
        name = paper.file_name(task, record_id)
        path = await self.app.files.save(name, data)
        self.page.show_dialog(ft.SnackBar(ft.Text(
            s.PAPER_SAVED.format(path=path) if path else s.PAPER_DOWNLOADED.format(name=name)),
            duration=4000))

    async def signed(self, task_id: str, record_id: str) -> None:
        """Back to the task; online, the record is sent at once. The message says where the
        record is: sent (the chip says 已提交), or to be sent once the platform answers."""
        session = self.app.session
        assert session is not None
        session.task_list.load()
        session.sync_model.changed()
        await self.go(f"/task/{task_id}")
        if session.sync_model.online:
            uploading = ft.SnackBar(ft.Text(s.SIGNED_UPLOADING), duration=60000)
            self.page.show_dialog(uploading)
            try:
                await session.sync_model.finished()  # a sync under way may have begun before the signing
                await session.sync_model.sync_now()
            finally:
                uploading.open = False  # or the next message would wait its turn behind it
                uploading.update()
        self.page.show_dialog(ft.SnackBar(ft.Text(signed_message(session.tasks.own_record(task_id, record_id))),
                                          duration=5000))

    async def sign_out(self) -> None:
        """退出登记 (本机): stop syncing, forget the enrolment, and show 登记本机 again."""
        session = self.app.session
        if session is not None and session.sync.sign_out_refusal():
            return  # signed or recused in the meantime: the tab's check is repeated here
        self.close()
        if session is not None:
            await session.sync_model.finished()  # its thread would write tasks after the forgetting
        await self.app.sign_out()
        self.shell = self.supervisor_shell = self.partners_view = None
        self.record_model = None
        await self.go("/")
        await self.route_change()

    def synced(self) -> None:
        """After each sync: a task's screen shows the state the sync brought (待同步 → 待审核,
        已退回), and a record the reviewer returned is said at once, on whatever screen."""
        session = self.app.session
        if session is None:
            return  # signed out while the sync ran
        parts = [p for p in (self.page.route or "/").split("/") if p]
        if len(parts) == 2 and parts[0] == "task":
            # On this loop, not through page.run_task: that needs the browser connected, and a
            # sync also ends while the web client reconnects (it then gets the screen whole).
            self.refresh = asyncio.get_running_loop().create_task(self.route_change())
        report = session.sync_model.report
        if report is not None and report.returned:
            self.page.show_dialog(ft.SnackBar(ft.Text(s.SYNC_RETURNED.format(count=report.returned)),
                                              duration=6000))

    def confirm_discard(self, task_id: str) -> None:
        session = self.app.session
        assert session is not None

        async def discard(_: object) -> None:
            self.page.pop_dialog()
            session.inspections.discard_draft(task_id)
            session.task_list.load()
            await self.route_change()

        self.page.show_dialog(ft.AlertDialog(
            title=ft.Text(s.DISCARD_DRAFT), content=ft.Text(s.DISCARD_DRAFT_CONFIRM),
            actions=[ft.TextButton(s.CANCEL, on_click=lambda _: self.page.pop_dialog()),
                     ft.FilledButton(s.DISCARD_DRAFT, on_click=discard)]))

    async def view_pop(self, e: ft.ViewPopEvent) -> None:
        if len(self.page.views) > 1:
            self.page.views.pop()
            await self.go(self.page.views[-1].route)

    def close(self, _: object = None) -> None:
        if self.sync_task is not None:
            self.sync_task.cancel()


def phone_theme() -> ft.Theme:
    """The CJK font, and every button, chip and icon button at least 48 px tall (one-handed use).

    Flutter sizes controls by platform: on a desktop browser, compact density and 32 px buttons;
    on a phone, 40 px buttons inside a 48 px tap area. Standard density plus padding makes each
    control's own box 48 px wherever the page is opened (14 + 20 px label + 14; an icon 12 + 24 + 12).
    """
    button = ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=16, vertical=14))
    return ft.Theme(
        font_family="CJK", color_scheme_seed=ft.Colors.INDIGO, visual_density=ft.VisualDensity.STANDARD,
        text_button_theme=ft.TextButtonTheme(style=button),
        filled_button_theme=ft.FilledButtonTheme(style=button),
        outlined_button_theme=ft.OutlinedButtonTheme(style=button),
        icon_button_theme=ft.IconButtonTheme(style=ft.ButtonStyle(padding=12)),
        chip_theme=ft.ChipTheme(padding=ft.Padding.symmetric(horizontal=8, vertical=13)),
    )


def make_vault(page: ft.Page, directory: Path) -> KeyVault:
    """Secure storage on a phone or desktop build; a key file outside the data in the web client
    (see app/services/keys.py for why)."""
    if page.web:
        return FileKeyVault(directory)
    return SecureStorageVault(SecureStorage())


async def main(page: ft.Page) -> None:
    config = load_config()
    page.title = s.APP_NAME
    if not page.web:
        # In the web client "CJK" is in Flutter's FontManifest.json (ours, in assets/assets/),
        # which the engine loads before its first frame: text is never laid out in a fallback
        # font and kept so (chips cut to "待检" after a reload), and no wait is needed here.
        page.fonts = FONTS
    # Flutter's own words (the back button's 返回, the date picker) in Simplified Chinese.
    page.locale_configuration = ft.LocaleConfiguration(supported_locales=[CHINESE],
                                                       current_locale=CHINESE)
    page.theme = phone_theme()
    page.theme_mode = ft.ThemeMode.LIGHT
    directory = data_dir(config)
    store = LocalStore.open(directory / STORE_FILE)
    app = AppState(config, store, make_vault(page, directory),
                   files=FileService(upload_dir(config) if page.web else None, config.photo_max_file_bytes),
                   location=LocationService(ftg.Geolocator()))
    router = Router(page, app)
    enrolment = store.enrolment()
    if enrolment is not None:
        router.start(enrolment)
    await router.route_change()


def warm_up() -> None:
    """Import every Flet control now, while the server starts, not while the first person
    waits: Flet 1.0 imports a control's module at its first use, and the first screen's
    controls cost its session ~0.3 s of imports (measured with py-spy; see bench/app_start.py)."""
    for name in ft.__all__:
        getattr(ft, name)


PHOTOS_PER_PICK = 10
"""How many photos of the largest size allowed one pick may hand over at once (see below)."""


def allow_large_messages(max_bytes: int) -> None:
    """Let the web client's websocket carry messages up to ``max_bytes``.

    A pick's files come over the app's websocket in one message (app/services/files.py), and
    uvicorn closes a connection whose message passes 16 MiB: five 6 MB photos picked together
    never arrived (the connection dropped, 正在处理照片… stayed, nothing was said). Flet starts
    uvicorn without a way to pass its ``ws_max_size``, so its default is raised here, in the one
    process that serves one phone's web client.
    """
    import uvicorn

    base = uvicorn.Config

    class Config(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("ws_max_size", max_bytes)
            super().__init__(*args, **kwargs)

    if not getattr(base, "zsc_large_messages", False):
        Config.zsc_large_messages = True
        uvicorn.Config = Config  # type: ignore[misc]


def upload_dir(config: Config) -> Path:
    """Where the web client's browser puts picked photos (app/services/files.py) until the
    app has read them: in the app's own data directory, on the process's host."""
    return data_dir(config) / "uploads"


def prepare_uploads(config: Config) -> Path:
    """The upload route's directory, emptied (a photo still there was never read: the app
    stopped while it arrived), private to the account; its signing key and size limit."""
    directory = upload_dir(config)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("FLET_MAX_UPLOAD_SIZE", str(config.photo_max_file_bytes))
    return directory


def serve_web() -> None:
    """Serve the web client without opening a browser (the URL is printed instead)."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    config = load_config()
    warm_up()
    # Photos reach this process through the upload route now; the room stays for any pick that
    # hands its bytes over the websocket (FileService without an upload route).
    allow_large_messages(PHOTOS_PER_PICK * config.photo_max_file_bytes + (1 << 20))
    uploads = prepare_uploads(config)
    print(f"{s.APP_NAME} 应用：http://{config.web_host}:{config.web_port}/", flush=True)
    ft.run(
        main,
        view=ft.AppView.WEB_BROWSER,
        host=config.web_host,
        port=config.web_port,
        assets_dir=str(ASSETS_DIR),
        upload_dir=str(uploads),
        no_cdn=True,
    )
