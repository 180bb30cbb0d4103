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

# photos
PHOTO_EMPTY = "照片文件是空的，请重新拍摄或选择"
PHOTO_FILE_TOO_LARGE = "照片文件过大（上限 {limit_mb} MB），请重新拍摄或选择其他照片"
PHOTO_NOT_AN_IMAGE = "不是照片，或照片格式不受支持（可用 JPEG、PNG、WebP、GIF 等格式）"
PHOTO_DAMAGED = "照片文件不完整或已损坏，请重新拍摄或选择"
PHOTO_TOO_MANY_PIXELS = "照片尺寸过大（上限 {limit} 万像素），无法处理，请重新拍摄或选择其他照片"
WATERMARK_TIME = "时间：{time}"
WATERMARK_PLACE = "地点：{place}"
WATERMARK_PLACE_UNKNOWN = "位置未知"
WATERMARK_INSPECTORS = "检查人员：{inspectors}"
WATERMARK_INSPECTOR = "{name}（{badge_no}）"
WATERMARK_LIST_SEPARATOR = "、"
WATERMARK_ENTITY = "检查对象：{name}"
WATERMARK_TASK = "任务：{task_id}"
WATERMARK_FIELD_SEPARATOR = "　"

# navigation
NAV_TASKS = "任务"
NAV_SYNC = "同步"
NAV_DEVICE = "本机"
BACK = "返回"
CANCEL = "取消"
CLOSE = "关闭"
OK = "知道了"

# enrolment
ENROL_TITLE = "登记本机"
ENROL_INTRO = "首次使用，请填写平台地址和审核人提供的一次性注册码。本机会生成自己的签名密钥，私钥不会离开本机。"
ENROL_SERVER = "平台地址"
ENROL_CODE = "注册码或注册链接"
ENROL_CODE_HINT = "如 ABCD-EFGH-JKMN，或粘贴 zsc://enroll?… 链接"
ENROL_NO_CAMERA = "网页版无法调用摄像头扫码：请审核人读出注册码，或把注册二维码中的链接复制后粘贴到上面。"
ENROL_SUBMIT = "登记本机"
ENROL_WORKING = "正在登记…"
ENROL_NEED_CODE = "请填写注册码"
ENROL_NEED_SERVER = "请填写平台地址，例如 http://10.0.0.5:8700"
ENROL_BAD_LINK = "注册链接无法识别：应以 zsc://enroll? 开头，并包含 server 和 code。请重新复制，或直接输入注册码"
ENROL_OFFLINE = "无法连接平台：请检查平台地址是否正确、手机是否联网，然后重试"
ENROL_FAILED = "登记失败：{message}"
ENROL_KEY_FAILED = "平台已接受登记，但本机无法保存签名密钥（{reason}）。请联系审核人重新发放注册码后再试"
ENROL_DONE = "本机已登记"
ENROL_BELONGS_TO = "本机登记给"
ENROL_CONTINUE = "进入我的任务"

# device (本机)
DEVICE_TITLE = "本机"
DEVICE_OWNER = "执法检查人员"
DEVICE_DEPARTMENT = "所属部门"
DEVICE_BADGE = "执法证号"
DEVICE_ID = "设备编号"
DEVICE_PLATFORM = "平台地址"
DEVICE_ENROLLED_AT = "登记时间"
DEVICE_KEY = "签名私钥"
DEVICE_KEY_SECURE = "保存在系统安全存储中（Keychain / Keystore）"
DEVICE_KEY_FILE = "保存在数据目录之外的独立文件中（仅本账户可读）：{path}"
DEVICE_KEY_MISSING = "找不到本机的签名私钥，无法签名。请联系审核人重新登记本机"

# task list
TASKS_TITLE = "我的任务"
TASKS_SEARCH = "搜索企业名称、地址或任务编号"
TASKS_ALL = "全部"
TASKS_EMPTY = "暂无任务。联网后点“同步”即可获取分配给您的任务"
TASKS_NO_MATCH = "没有符合条件的任务"
TASKS_MORE = "显示更多（还有 {count} 个）"
TASK_DUE = "截止 {due}"
TASK_ITEMS = "{count} 个检查事项"
TASK_OVERDUE = "已逾期"

# task detail
TASK_TITLE = "任务详情"
TASK_ENTITY = "检查对象"
TASK_CREDIT_CODE = "统一社会信用代码"
TASK_ADDRESS = "地址"
TASK_REGION_INDUSTRY = "区域 / 行业"
TASK_PLAN = "抽查计划"
TASK_DUE_DATE = "截止日期"
TASK_TEAM = "检查组"
TASK_ITEMS_TITLE = "抽查事项"
ITEM_BASIS = "检查依据"
ITEM_METHOD = "检查方式"
ITEM_DEPARTMENT = "检查主体"
ITEM_CHECKPOINTS = "检查内容"
SHOW_CODE = "亮码"
START_INSPECTION = "开始检查"
CONTINUE_INSPECTION = "继续检查"
REVISE_INSPECTION = "修改后重新提交"
DISCARD_DRAFT = "放弃草稿"
DISCARD_DRAFT_CONFIRM = "放弃后，本次填写的内容和照片关联将被删除，且不能恢复。确定放弃吗？"
TASK_STATE_HINT = {
    "待检查": "到达现场后，先向企业亮码，再点“开始检查”。",
    "检查中": "草稿已自动保存，可随时继续。",
    "待同步": "记录已签名，联网后会自动上传。",
    "已提交": "记录已提交平台，等待审核。",
    "被退回": "记录被退回，请修改后重新提交（原记录保留，新记录将注明更正关系）。",
    "已通过": "记录已审核通过。",
}
TASK_RETURN_REASON = "退回原因：{reason}"
TASK_NOT_FOUND = "找不到这个任务，可能已被撤销"

# inspection code (亮码)
CODE_TITLE = "检查码"
CODE_INSTRUCTION = "请企业用手机扫码，核验本次检查的真实性"
CODE_TEAM = "检查人员"
CODE_OFFLINE = "此码已保存在本机，无网络时也可出示"

# inspection form (现场检查)
INSPECT_TITLE = "现场检查"
INSPECT_STARTED = "开始时间：{time}"
INSPECT_SAVED = "已自动保存"
INSPECT_REVISION = "本记录将更正被退回的记录"
ITEM_NOTE = "情况说明（选填）"
ITEM_ADD_PHOTO = "添加照片"
ITEM_PHOTO_WORKING = "正在处理照片…"
ITEM_REMOVE_PHOTO = "移除照片"
ALL_REMAINING_PASS = "其余事项均合格"
OUTCOME_TITLE = "检查结果"
NOTE_TITLE = "备注（选填）"
LOCATION_TITLE = "检查地点"
LOCATION_LOCATE = "获取定位"
LOCATION_LOCATING = "正在定位…"
LOCATION_TYPE = "手工输入"
LOCATION_NONE = "不记录位置"
LOCATION_LAT = "纬度"
LOCATION_LON = "经度"
LOCATION_USE_TYPED = "使用此位置"
LOCATION_NOT_SET = "尚未记录位置（签名时将注明“无位置”）"
LOCATION_FROM_DEVICE = "来自本机定位：{place}"
LOCATION_FROM_TYPED = "手工输入：{place}"
LOCATION_TYPED_SUFFIX = "手工输入"
LOCATION_TYPED_INVALID = "请输入有效的经纬度（十进制度数，如 纬度 37.50123，经度 122.11456）"
LOCATION_UNAVAILABLE = "无法获取定位（{reason}）。可手工输入经纬度，或不记录位置"
LOCATION_DENIED = "未获得定位权限"
SIGN = "签名提交"
SIGN_MISSING_TITLE = "还不能签名"
MISSING_ITEMS = "还有 {count} 个事项未选择检查结论：{names}"
MISSING_OUTCOME = "未选择检查结果"
OUTCOME_CONTRADICTS_ITEMS = "有事项“不合格”，检查结果不能选“未发现问题”"
SIGN_CONFIRM_TITLE = "确认签名"
SIGN_CONFIRM_TEXT = "签名后记录不可修改，如需更正只能提交新的更正记录。"
SIGN_SUMMARY = "{items} 个事项（合格 {passed}、不合格 {failed}、不涉及 {na}），照片 {photos} 张\n检查结果：{outcome}\n地点：{place}"
SIGN_CONFIRM = "确认签名"
SIGNED = "已签名，记录将在联网后自动上传"
SIGN_FAILED = "签名失败：{message}"

# sync (同步)
SYNC_TITLE = "同步"
SYNC_NOW = "立即同步"
SYNC_RUNNING = "正在同步…"
SYNC_PROGRESS = "记录 {done}/{total}　{bytes_done} / {bytes_total}"
SYNC_DONE = "同步完成"
SYNC_DONE_DETAIL = "上传 {accepted} 条记录，获取 {tasks} 个任务"
SYNC_REJECTED = "{count} 条记录被平台拒收，请查看原因后重新检查"
SYNC_LAST = "上次同步：{time}"
SYNC_NEVER = "尚未同步"
SYNC_AUTO = "联网时每 {seconds} 秒自动同步"
SYNC_OFFLINE = "无法连接平台。记录已安全保存在本机，恢复网络后会自动上传，无需重复操作"
SYNC_AUTH = "平台不再接受本机（设备已停用或登记已失效）。记录仍保存在本机，请联系审核人重新登记后再同步"
SYNC_ERROR = "同步出错：{message}。记录仍保存在本机，请稍后重试；如反复出现请联系审核人"
SYNC_PENDING = "{count} 条记录待上传"
SYNC_NOTHING_PENDING = "没有待上传的记录"
SYNC_RECORDS = "本机记录"
SYNC_NO_RECORDS = "还没有签名的记录"
RECORD_SEQ = "第 {seq} 条 · {time}"
RECORD_STATES = {
    "pending": "待上传",
    "rejected": "平台拒收",
    "received": "已提交",
    "incomplete": "照片未齐",
    "submitted": "已提交",
    "returned": "被退回",
    "approved": "已通过",
    "published": "已公示",
}
ONLINE = "在线"
OFFLINE = "离线"
