/// A compact embedded list of real top-level domains (every country code and the generic ones seen
/// in practice), plus names reserved for testing and internal use (`example`, `test`, `internal`,
/// `local`, `onion`, …). TLDs that in logs are file extensions far more often than domains are left
/// out on purpose (`zip`, `mov`, `app`, `inc`, and the country codes in `fileExtensions`). An IOC
/// with a TLD missing here still matches: `IOCSet` adds the TLDs of its own domains.
public enum TopLevelDomains {
    static let countryCodes = """
        ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs \
        bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg \
        er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr \
        ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk \
        lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf \
        ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc \
        sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv \
        tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
        """
    static let generic = """
        com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum post tel travel \
        xxx dev io ai cloud online site website store shop tech xyz top club live life world today \
        space fun icu buzz work click link download win bid loan racing review stream party date trade \
        science men cricket faith accountant webcam gdn host press email network digital agency media \
        news blog page one company solutions services support systems group global center zone tools \
        software security cyber codes bond cfd sbs lat rest best cam quest monster beauty hair skin \
        bar cyou help ink ltd llc finance financial money bank insurance credit capital exchange \
        market marketing markets games game casino bet poker video tv movie film music radio social chat \
        wiki run biz moe kim ren red blue pink black green gold vip ws mom lol pw rocks guru ninja \
        social team city country earth land uno xin top wang shop site one global microsoft google \
        apple amazon azure windows office youtube gmail android chrome play new men mba phd \
        example test invalid localhost local internal intranet lan home corp onion arpa
        """

    /// Country codes that are common file extensions (`run.sh`, `setup.py`, `README.md`, `x.so`, …).
    static let fileExtensions: Set<String> = [
        "ac", "am", "cc", "do", "in", "la", "md", "mk", "ml", "mo", "pl", "pm", "ps", "py", "rs", "sh", "so", "tf",
    ]

    static let all: Set<String> = Set(
        (countryCodes + " " + generic).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    ).subtracting(fileExtensions)

    /// True when `label` (lowercase) is a known top-level domain.
    public static func contains(_ label: String) -> Bool { all.contains(label) }
}
