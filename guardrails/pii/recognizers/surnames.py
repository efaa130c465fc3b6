"""Chinese surnames (the common single-character ones and the compound ones) and titles that follow them.

A name is a surname plus one or two given-name characters; "王总" or "李经理" is a surname plus a title,
which identifies no one on its own and is not flagged.
"""

from __future__ import annotations

SINGLE = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区"
    "郜海阎帅聊练权"
)
COMPOUND = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
            "独孤", "南宫", "西门", "端木", "百里", "呼延", "万俟", "轩辕", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于",
            "太叔", "申屠", "钟离", "闻人", "赫连", "东郭", "第五", "司空", "拓跋", "纳兰"}
TITLES = ("总监", "总经理", "经理", "总", "老师", "先生", "女士", "小姐", "主任", "工程师", "工", "姐", "哥", "老板", "董事长",
          "董", "律师", "医生", "教授", "博士", "同学", "部长", "处长", "科长", "主管", "专员", "助理", "师傅", "阿姨", "叔",
          "局", "处", "科", "秘书", "会计", "顾问", "总裁", "太太", "夫人")
WHOLE_ONLY = {"某", "家", "氏"}  # 王某, 王家, 王氏: a title only when nothing follows


def surname_of(word: str) -> str:
    """The surname a word starts with ('' if none)."""
    if word[:2] in COMPOUND:
        return word[:2]
    return word[:1] if word[:1] in SINGLE else ""


def is_title(rest: str) -> bool:
    return rest in WHOLE_ONLY or any(rest.startswith(t) for t in TITLES)

# Characters common in given names. A candidate whose given part uses others ("谢谢", "白名单") is a word.
GIVEN_CHARS = set(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉林建国文斌宇浩然子涵轩晨阳博思远欣怡佳琪雯晓梦瑶雨桐婷立新"
    "春梅海峰志航俊凯琳嘉一鸣若曦振紫萱德淑芬家豪诗永天雅亮飞健波宁燕兰凤洁倩莉颖慧琴云莹雪晶璐露月丹蕾薇婧妍彤悦欢乐鑫森"
    "楠帆旭东江山川龙虎彪锋岩光晖耀荣庆祥瑞福贵富安康泰宏毅坚诚信仁义礼智勤俭忠孝元夏秋冬兵成功学书昊睿泽奕诺煜哲铭晟皓逸梓"
    "萌可馨琦蕊璇岚菲婕珊芸娇巧珍翠玲香荷菊霖枫杨柏松竹青蓝翔腾骏驰辰星宸景昕晴朗正兴旺隆昌盛全胜利民生之友武玮琛瑜珂璟珏瑾"
    "钰铮锐霄霆震雷捷恒长久培育卫鹤鸿鹰雁嫣婉媛娅姗妮娴淼源沛润清洪涌瀚溪泉汐灵冰凌晗曼蔓芊茜莎蓉茵苗楷栋梁杭桦榕槐樱凡丰"
    "九乾坤亦依伊佩俐修儒允克兆先冠君启咏唯善园城基堂士壮复大奇奎如妙姝威娥婵媚孟季宗宜宝实宣宪容寒尧少尚展崇嵘巍帅希常年"
    "广庭廷彦彬征心忆念怀恩惠意慈承抒敬方昂昆昭晋普曜朋望朝木本杉权柔树根桃歆毓水汉池沁沐沫河治泓法泳津浪淳深渊湘溢滢漫潇"
    "澄澜炎炜烨焕照熙燊爱牧献玄玥珑球琼璋甜田畅白皎益盈真石硕碧祖秀科程稳穆童竣笑策简素纯绍维绮缘群羽翼聪肃舒良艺芝茂茹莲"
    "菡葵蓓蔚虹蝶衡裕言誉语谦贞贤赋越路达迎进迪道遥邦郁金铁银锦闻阔隽雄集霏靖韬韵顺颂飘馥驹骁魁鲲麒麟黎鼎齐龄乔娣娴秀丽"
)
# Surname characters that are far more often a word of their own: "和王伟" is 和 + 王伟.
FUNCTION_CHARS = set("和向于常成关包单安齐易万尚莫管曾段章路游盛毕全时明应都为给跟同与及或是在把被对从也就还")
