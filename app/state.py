"""The composition root of one app session: settings, the store, the key vault, the services
and the view-models built on them. Views receive what they need from here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .photos import PhotoSettings
from .services.files import FileService
from .services.inspections import InspectionService
from .services.keys import KeyVault
from .services.location import LocationService
from .services.lookup import LookupService
from .services.photo_service import PhotoService
from .services.supervisor import SupervisorService
from .services.sync_service import SyncService
from .services.tasks import TaskService
from .store import Enrolment, LocalStore
from .viewmodels.dashboard import DashboardModel
from .viewmodels.ledger import LedgerModel
from .viewmodels.lookup import LookupModel
from .viewmodels.partners import PartnersModel
from .viewmodels.review import ReviewQueueModel
from .viewmodels.sync import SyncModel
from .viewmodels.tasks import TaskListModel

STORE_FILE = "zhangshangcha.db"


def data_dir(config: Config) -> Path:
    """``[app] data_dir``, else the phone's app-data directory, else ./app-data."""
    if config.data_dir:
        return Path(config.data_dir)
    return Path(os.environ.get("FLET_APP_STORAGE_DATA") or "app-data")


@dataclass
class Session:
    """What exists once the device is enrolled."""

    enrolment: Enrolment
    tasks: TaskService
    inspections: InspectionService
    photos: PhotoService
    sync: SyncService
    task_list: TaskListModel
    sync_model: SyncModel
    lookup: LookupModel
    """信息查询: live, never stored."""


@dataclass
class SupervisorSession:
    """What exists once the device is enrolled as a supervisor's (审核人): no tasks, no outbox;
    every screen reads the platform."""

    enrolment: Enrolment
    service: SupervisorService
    queue: ReviewQueueModel
    dashboard: DashboardModel
    ledger: LedgerModel
    partners: PartnersModel


@dataclass
class AppState:
    config: Config
    store: LocalStore
    vault: KeyVault
    files: FileService | None = None
    location: LocationService | None = None
    session: Session | None = field(default=None)
    supervisor: SupervisorSession | None = field(default=None)

    def start_session(self, enrolment: Enrolment) -> Session:
        tasks = TaskService(self.store)
        sync = SyncService(self.store, enrolment, timeout=self.config.server_timeout_seconds)
        self.session = Session(
            enrolment=enrolment,
            tasks=tasks,
            inspections=InspectionService(self.store, self.vault, enrolment),
            photos=PhotoService(self.store, PhotoSettings.from_config(self.config)),
            sync=sync,
            task_list=TaskListModel(tasks),
            sync_model=SyncModel(sync, self.config.sync_interval_seconds),
            lookup=LookupModel(LookupService(enrolment, timeout=self.config.server_timeout_seconds)),
        )
        self.session.sync_model.on_synced.append(self.session.task_list.load)
        return self.session

    async def sign_out(self) -> None:
        """退出登记: this phone forgets the enrolment, its data and its key. The caller checks
        first that nothing signed and no 回避申请 is still unsent
        (``Session.sync.sign_out_refusal``)."""
        self.store.forget()
        await self.vault.forget()
        self.session = self.supervisor = None

    def start_supervisor(self, enrolment: Enrolment) -> SupervisorSession:
        service = SupervisorService(enrolment, timeout=self.config.server_timeout_seconds)
        self.supervisor = SupervisorSession(enrolment, service, ReviewQueueModel(service),
                                            DashboardModel(service), LedgerModel(service),
                                            PartnersModel(service))
        return self.supervisor
