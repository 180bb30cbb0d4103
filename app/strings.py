"""Every Chinese string the app shows, in one place (DESIGN §2)."""

APP_NAME = "掌上查"
APP_SUBTITLE = "“双随机、一公开”现场检查"

PLATFORM = "监管平台"
PLATFORM_ADDRESS = "平台地址"
PLATFORM_CHECKING = "正在连接平台…"
PLATFORM_ONLINE = "平台在线"
PLATFORM_OFFLINE = "无法连接平台：离线时仍可查看任务和记录检查，联网后再同步"
PLATFORM_DIRECTORY = "名录库：检查对象 {entities} 户，执法检查人员 {inspectors} 人，抽查事项 {items} 项"
RETRY = "重新连接"
