"""Templates for the held-out PII sets: different phrasing, different names and places from the main set.
Never tune recognizers on these; they measure how well the rules generalise."""

FIRST = ["Harold", "Bianca", "Desmond", "Felicity", "Gideon", "Imogen", "Jasper", "Katarina", "Leopold", "Mirela",
         "Nikolai", "Oona", "Percival", "Rosalind", "Stellan", "Tamsin", "Ulrich", "Veronika", "Wendell", "Yvette"]
LAST = ["Ashcombe", "Brightwater", "Culpepper", "Dunmore", "Eastwick", "Fairbanks", "Greenhalgh", "Holloway",
        "Iverson", "Kingsley", "Lockhart", "Montague", "Northcott", "Pemberton", "Quimby", "Rutherford", "Stanhope"]
ZH_SURNAMES = "沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 方 邹 孟 熊 秦 上官 慕容 司徒"
ZH_GIVEN = ["嘉怡", "国栋", "一鸣", "若曦", "振华", "晨阳", "紫萱", "德明", "淑芬", "家豪", "诗琪", "永强", "凯", "琳",
            "鹏", "芳", "天宇", "雅婷"]
STREETS = ["Birchwood Court", "Quarry Road", "Willow Way", "Granite Street", "Orchard Lane", "Beacon Street",
           "Foxglove Drive", "Summit Avenue", "Kingfisher Close", "Meadow Ln"]
CITIES = [("Albany", "NY", "122"), ("Savannah", "GA", "314"), ("Spokane", "WA", "992"), ("Omaha", "NE", "681"),
          ("Burlington", "VT", "054")]
ZH_PLACES = ["重庆市渝北区", "天津市滨海新区", "西安市雁塔区", "长沙市岳麓区", "福建省厦门市思明区", "青岛市崂山区",
             "山东省济南市历下区", "郑州市金水区", ""]
ZH_ROADS = ["金开大道", "黄海路", "科技二路", "麓山南路", "环岛东路", "海尔路", "经十路", "花园路", "东风路", "长江西路"]

EN = [
    "Good afternoon, {PERSON} speaking. I manage our analytics vendors.",
    "Could your account exec ring me on {USPHONE} tomorrow morning?",
    "Best number to reach me is {INTLPHONE} (UK hours).",
    "Forward the security questionnaire to {EMAIL} please.",
    "I was double charged {PRICE} on {DATE} for order {ORDER}.",
    "We need {QTY} by {DATE}, what's the lead time?",
    "Kindly bill the card on file, {CARD}, for the overage.",
    "Here's the corporate card number: {CARD}",
    "Applicant SSN: {SSN}",
    "Our office router is {IP}; the sync agent can't get out.",
    "Deliver the signed copy to {ADDRESS}.",
    "Mailing address for the cheque: {ADDRESS}",
    "{PERSON} signed off on the budget yesterday.",
    "I'll pass this on to {PERSON}, who owns the vendor relationship.",
    "Warm regards, {PERSON}",
    "Cheers {FIRST}, talk soon.",
    "I'm on WeChat as {WECHAT} if that's quicker.",
    "Our procurement lead, {PERSON}, prefers email: {EMAIL}.",
    "Invoice {ORDER} lists {QTY} at {PRICE}; we only ordered half that.",
    "Box label shows serial {SERIAL} and tracking {TRACKING}.",
    "Any chance of a pilot for {QTY} before {DATE}?",
    "Is the {PRICE} quote still valid for SKU {SKU}?",
    "Meeting notes: {PERSON} and {PERSON} joined from the customer side.",
    "Direct line {USPHONE}, mobile {INTLPHONE}.",
    "Mr. {LASTNAME} would like a call back regarding the renewal.",
    "Hello team, we have {QTY} and are thinking about the AI add-on.",
    "Please whitelist {IP} for the webhook.",
    "New billing contact: {PERSON}, {EMAIL}",
    "Does the Enterprise tier include a named support engineer?",
    "Our legal counsel {PERSON} needs the DPA by {DATE}.",
    "hi, name's {LOWERFIRST}. just wondering about pricing",
    "The package for {PERSON} goes to {ADDRESS}, phone {USPHONE}.",
    "Account manager said {PRICE} per seat, can you confirm for {QTY}?",
    "Re ticket {ORDER}: still failing after the update on {DATE}.",
    "Reach {FIRST} on {USPHONE} if I'm unavailable.",
]

ZH = [
    "你好，{ZHPERSON}这边，想问下旗舰版怎么收费。",
    "我姓{ZHSURNAME}，全名{ZHPERSON}，负责公司的数字化项目。",
    "方便的话打我电话{CNMOBILE}详谈。",
    "公司座机{CNLAND}，找前台转我就行。",
    "报价麻烦发{EMAIL}，抄送我们老板。",
    "{ZHDATE}付的{PRICE}，订单{ORDER}一直显示未支付。",
    "想给{ZHQTY}开通，大概什么价位？",
    "发票请寄{ZHADDRESS}，{ZHPERSON}签收。",
    "新办公地址：{ZHADDRESS}",
    "我的微信{WECHAT}，加的时候说一下是哪家公司。",
    "加个VX：{WECHAT}",
    "持卡人{ZHPERSON}，卡号{CARD}。",
    "退款请退到这张卡：{CARD}",
    "实名认证填的身份证是{CNID}。",
    "这台机器的出厂编号是{SERIAL}，能查到保修吗？",
    "运单{TRACKING}显示已签收但我们没收到。",
    "防火墙只放行了{IP}，其他地址访问不了。",
    "型号{SKU}和{SKU}有什么区别？",
    "{ZHPERSON}说你们上周已经发了合同。",
    "请通知{ZHPERSON}明天的培训改到下午。",
    "你们上海有办公室吗？我们想当面聊聊。",
    "去年买的{ZHQTY}，{ZHDATE}到期，续费打几折？",
    "合同号{ORDER}，总价{PRICE}，麻烦核对一下。",
    "对方联系人是{ZHPERSON}，手机{CNMOBILE}，邮箱{EMAIL}。",
    "我们技术总监{ZHPERSON}想了解私有化部署。",
    "钱总刚才说价格可以再谈。",
    "周经理，昨天的会议纪要发您了。",
    "收件信息：{ZHPERSON}，{CNMOBILE}，{ZHADDRESS}",
    "座机打不通的话就打手机{CNMOBILE}。",
    "工单{ORDER}还没处理，已经{ZHDATE}了。",
    "能支持{ZHQTY}同时在线吗？",
    "这个月底之前能给我们开{ZHQTY}的试用吗？",
    "请问你们支持对公转账吗？金额{PRICE}。",
    "服务器在{IP}，数据库在{IP}。",
    "负责这个项目的是{ZHPERSON}和{ZHPERSON}。",
]

MIXED = [
    "Hello，我是{ZHPERSON}，our team 想试用 AI Insights。",
    "你好 this is {PERSON}，我的手机是 {CNMOBILE}。",
    "Email 我: {EMAIL}，或者 WeChat {WECHAT}。",
    "Invoice 寄到 {ZHADDRESS}，attn {ZHPERSON}。",
    "Our buyer {PERSON} 下周来上海，{ZHDATE}。",
    "卡号 {CARD}，please charge {PRICE}。",
    "{ZHPERSON} will join the call, 他的电话 {CNLAND}。",
    "Ticket {ORDER} 还没解决，IP {IP}。",
]
