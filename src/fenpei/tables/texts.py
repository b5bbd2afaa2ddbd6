"""Every user-facing word of the written outputs (CSV headers, the Excel report), per language.

One dictionary per language, with the same keys (a test checks it): to reword the report
or add a language, edit this file only. Reason texts come from the engine
(`fenpei.engine.explain`) and duplicate reasons from `fenpei.engine.duplicates`; cell
errors carry their own message from the reader.

Templates use `str.format` fields; amounts are formatted by `money_words`.
"""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")

ZH: dict[str, Any] = {
    # ------------------------------------------------------------------ CSV output
    "csv_headers": {
        "customer_key": "客户编号",
        "customer": "客户名称",
        "region": "地区",
        "industry": "行业",
        "potential_value": "潜在价值",
        "intent": "合作意向",
        "priority": "优先级",
        "tier": "等级",
        "status": "状态",
        "rep_key": "工号",
        "rep": "销售",
        "team": "团队",
        "score": "得分",
        "reasons": "分配理由",
    },
    "status": ("已分配", "未分配"),
    "join": "；",  # between the reason texts of one customer
    "list": "、",  # between items of a list in one cell
    "intent": {"high": "高", "medium": "中", "low": "低", "unknown": "未知"},
    "yes_no": ("是", "否"),
    "level": {"junior": "初级", "mid": "中级", "senior": "高级"},
    # ------------------------------------------------------------------- workbook
    "sheets": {
        "assignments": "分配结果",
        "load": "销售负载",
        "unassigned": "未分配",
        "errors": "数据问题",
        "duplicates": "重复客户",
        "about": "说明",
    },
    "columns": {
        "customer_key": "客户编号",
        "customer": "客户名称",
        "region": "地区",
        "city": "城市",
        "industry": "行业",
        "potential_value": "潜在价值（元）",
        "intent": "合作意向",
        "last_deal": "最近交易日期",
        "contact": "联系人",
        "phone": "联系电话",
        "priority": "优先级",
        "tier": "等级",
        "rep": "销售",
        "rep_key": "工号",
        "team": "团队",
        "previous_owner": "原负责人",
        "fit": "匹配度",
        "score": "得分",
        "reasons": "分配理由",
        "unassigned_reason": "未分配原因",
        "level": "级别",
        "active": "在岗",
        "capacity": "容量",
        "existing_load": "已有客户",
        "assigned": "本次新分配",
        "total": "合计客户",
        "free": "剩余容量",
        "utilisation": "使用率",
        "new_value": "新客户潜在价值（元）",
        "tier_a": "A 类",
        "tier_b": "B 类",
        "tier_c": "C 类",
        "sheet": "工作表",
        "row": "行号",
        "column": "列",
        "value": "单元格内容",
        "message": "问题",
        "group": "组号",
        "records": "记录数",
        "customer_keys": "客户编号",
        "customer_names": "客户名称",
        "owners": "现负责人",
        "assigned_to": "本次分配给",
        "dup_reason": "判定依据",
        "conflict": "撞单说明",
    },
    "chart": {
        "title": "各销售负载与新客户潜在价值",
        "load_axis": "客户数",
        "value_axis": "新客户潜在价值（元）",
        "existing": "已有客户",
        "assigned": "本次新分配",
        "value": "新客户潜在价值",
    },
    "none": "（无）",
    "unknown_file": "（未记录）",
    "about": {
        "title": "Fenpei 分配结果说明",
        "intro": (
            "本工作簿由 Fenpei 按下列公开的规则计算得出。每位客户的分配理由见「分配结果」的"
            "最后一列；任何人都可以用本页的权重和阈值复核。"
        ),
        "head": ("项目", "取值", "说明"),
        # section titles
        "s_run": "本次运行",
        "s_sheets": "各工作表",
        "s_objective": "分配目标",
        "s_priority": "优先级（0–100）与等级",
        "s_fit": "匹配度（≥ 1）",
        "s_rules": "分配规则",
        "s_routing": "路由规则",
        # run facts
        "as_of": ("基准日期", "计算「最近成交」时间衰减所用的日期"),
        "sources": ("输入文件", ""),
        "customer_sheet": ("客户表", "读取客户的工作表"),
        "rep_sheet": ("销售表", "读取销售的工作表"),
        "customers": ("客户记录数", "参与分配的客户记录（缺少客户名称等被拒绝的行见「数据问题」）"),
        "real_customers": (
            "合并重复后",
            "同一客户的多条记录（见「重复客户」）只分给一位销售，只占一个容量",
        ),
        "assigned": ("已分配", "见「分配结果」"),
        "unassigned": ("未分配", "见「未分配」，每位客户都写明了原因"),
        "reps": ("销售人数", "其中在岗 {active} 人；不在岗的销售不分配新客户"),
        "errors": (
            "数据问题",
            "见「数据问题」：每个有问题的单元格一行；问题单元格不影响同行其他数据",
        ),
        "duplicates": ("重复客户组", "见「重复客户」：疑似同一家客户的记录"),
        "conflicts": ("撞单", "重复客户组中各记录的现负责人不同，需要经理确认"),
        "objective": ("目标函数值", "下文目标式的取值（越大越好），本次分配是它的最优解"),
        "solver": (
            "求解方法",
            "精确求解（最小费用流），不是贪心近似；同分时按固定顺序决定，结果可复现",
        ),
        # sheets
        "sheet_notes": {
            "assignments": "每位已分配客户一行：关键信息、优先级与等级、分配给谁、得分和理由",
            "load": "每位销售一行：已有与新分配的客户数、容量与使用率、新客户的价值与等级构成；含图表",
            "unassigned": "未能分配的客户及原因",
            "errors": "读入时发现的每个问题单元格：工作表、行号（与 Excel 一致）、列、内容、问题",
            "duplicates": "疑似重复的客户记录及判定依据；现负责人不同的组会标注撞单",
            "about": "本页：分配规则与本次运行信息",
        },
        # objective
        "formula": (
            "目标式",
            "Σ (M + 得分)  −  λ · Σ销售 Σk (k − 1) / 容量",
            "得分 = 优先级 × 匹配度。第一项奖励每一位被分配的客户（M）及其得分；第二项是均衡代价："
            "销售每多接一位客户，代价随其负载上升（k 从已有客户数 + 1 数到分配后的客户数）。"
            "系统在所有符合规则的方案中选出使目标式最大的方案。",
        ),
        "constraints": (
            "约束",
            "",
            "每位客户最多分给一位销售；只分给在岗、且地区与路由规则允许的销售；锁定的客户只留给"
            "现负责人；每位销售的已有客户 + 新分配 ≤ 容量。",
        ),
        "coverage_weight": ("覆盖权重 M", "每分配一位客户加 M 分：只要还有容量，就不让客户落空"),
        "balance_weight": ("均衡权重 λ", "0 = 只看匹配度；越大，各销售的负载越平均"),
        # priority
        "priority_formula": (
            "优先级",
            "",
            "优先级 = 100 × Σ(各项得分 × 权重) / 权重之和，各项得分在 0–1 之间；保留两位小数。",
        ),
        "w_value": (
            "潜在价值权重",
            "按对数计分：0 元得 0 分，{full} 及以上得满分（计分单位 {unit}）",
        ),
        "w_intent": (
            "合作意向权重",
            "高 {high:g}、中 {medium:g}、低 {low:g}、未知 {unknown:g}（0–1）",
        ),
        "w_newness": (
            "新客户权重",
            "客户类型为「新」得满分、「老」得 0；未填写时没有历史交易即视为新客户",
        ),
        "w_history": (
            "历史交易权重",
            "一半看历史交易额（对数计分，{full} 得满分），一半看最近成交（每 {days:g} 天减半）",
        ),
        "tier_a": ("A 类阈值", "优先级 ≥ 此值为 A 类"),
        "tier_b": ("B 类阈值", "优先级 ≥ 此值为 B 类，其余为 C 类"),
        # fit
        "fit_formula": ("匹配度", "", "匹配度 = 1 + 以下各项加成（符合的才加）。"),
        "f_industry": ("行业对口", "销售擅长客户所在行业"),
        "f_product": ("产品匹配", "× 客户所需产品中该销售能卖的比例"),
        "f_level": ("级别对口", "A 类配高级、B 类配中级、C 类配初级销售"),
        "f_incumbent": ("现负责人", "销售就是客户的现负责人（保持稳定）"),
        "f_region": ("负责地区", "销售负责客户所在地区；仅当地区不是硬性规则时加分"),
        # rules
        "territory": ("地区规则", ""),
        "territory_modes": {
            "hard": (
                "硬性",
                "只分给负责客户所在地区（省或城市）的销售；负责「全国」的销售可接任何地区",
            ),
            "soft": ("加分", "任何销售都可接；负责该地区的销售获得「负责地区」加成"),
            "off": ("不限", "不考虑地区"),
        },
        "default_capacity": ("默认容量", "销售表未填写容量时使用的容量（最多可同时负责的客户数）"),
        "active_rule": ("在岗", "", "不在岗（否、离职、休假等）的销售不分配新客户。"),
        "locked_rule": ("锁定客户", "", "锁定的客户只能留在现负责人名下；现负责人不可用时不分配。"),
        # routing
        "routing_intro": "路由规则按顺序匹配，第一条命中的规则决定哪些团队或销售可以接这位客户；未命中任何规则的客户可分给任何销售（仍受地区规则约束）。",
        "no_rules": "没有路由规则",
        "rule": "第 {n} 条",
        "rule_text": "当{when}时，只分给{who}{ignore}",
        "rule_all": "所有客户",
        "rule_and": "且",
        "rule_or": "或",
        "rule_regions": "地区为{}",
        "rule_industries": "行业为{}",
        "rule_tiers": "等级为{}",
        "rule_intents": "合作意向为{}",
        "rule_min": "潜在价值 ≥ {}",
        "rule_max": "潜在价值 ≤ {}",
        "rule_teams": "团队{}",
        "rule_reps": "销售{}",
        "rule_ignore": "（不受地区限制，负责该地区的销售仍获得地区加成）",
    },
}

EN: dict[str, Any] = {
    "csv_headers": {
        "customer_key": "customer_key",
        "customer": "customer",
        "region": "region",
        "industry": "industry",
        "potential_value": "potential_value",
        "intent": "intent",
        "priority": "priority",
        "tier": "tier",
        "status": "status",
        "rep_key": "rep_key",
        "rep": "rep",
        "team": "team",
        "score": "score",
        "reasons": "reasons",
    },
    "status": ("assigned", "unassigned"),
    "join": "; ",
    "list": ", ",
    "intent": {"high": "high", "medium": "medium", "low": "low", "unknown": "unknown"},
    "yes_no": ("yes", "no"),
    "level": {"junior": "junior", "mid": "mid", "senior": "senior"},
    "sheets": {
        "assignments": "Assignments",
        "load": "Rep load",
        "unassigned": "Unassigned",
        "errors": "Data problems",
        "duplicates": "Duplicates",
        "about": "About",
    },
    "columns": {
        "customer_key": "Customer ID",
        "customer": "Customer",
        "region": "Region",
        "city": "City",
        "industry": "Industry",
        "potential_value": "Potential value (CNY)",
        "intent": "Intent",
        "last_deal": "Last deal",
        "contact": "Contact",
        "phone": "Phone",
        "priority": "Priority",
        "tier": "Tier",
        "rep": "Rep",
        "rep_key": "Rep ID",
        "team": "Team",
        "previous_owner": "Previous owner",
        "fit": "Fit",
        "score": "Score",
        "reasons": "Reasons",
        "unassigned_reason": "Why unassigned",
        "level": "Level",
        "active": "Active",
        "capacity": "Capacity",
        "existing_load": "Existing customers",
        "assigned": "New this run",
        "total": "Total customers",
        "free": "Free capacity",
        "utilisation": "Utilisation",
        "new_value": "Potential value of new (CNY)",
        "tier_a": "Tier A",
        "tier_b": "Tier B",
        "tier_c": "Tier C",
        "sheet": "Sheet",
        "row": "Row",
        "column": "Column",
        "value": "Cell content",
        "message": "Problem",
        "group": "Group",
        "records": "Records",
        "customer_keys": "Customer IDs",
        "customer_names": "Customers",
        "owners": "Current owners",
        "assigned_to": "Assigned to",
        "dup_reason": "Why a duplicate",
        "conflict": "Conflict",
    },
    "chart": {
        "title": "Load and value of new customers per rep",
        "load_axis": "Customers",
        "value_axis": "Potential value of new customers (CNY)",
        "existing": "Existing customers",
        "assigned": "New this run",
        "value": "Potential value of new customers",
    },
    "none": "(none)",
    "unknown_file": "(not recorded)",
    "about": {
        "title": "Fenpei allocation: how this result was made",
        "intro": (
            "This workbook was computed by Fenpei from the published rules below. The reasons "
            "for every customer are in the last column of “Assignments”; anyone can check them "
            "against the weights and thresholds on this page."
        ),
        "head": ("Item", "Value", "Meaning"),
        "s_run": "This run",
        "s_sheets": "Sheets",
        "s_objective": "Objective",
        "s_priority": "Priority (0–100) and tier",
        "s_fit": "Fit (≥ 1)",
        "s_rules": "Rules",
        "s_routing": "Routing rules",
        "as_of": ("As-of date", "date from which the recency of past deals is measured"),
        "sources": ("Input files", ""),
        "customer_sheet": ("Customer sheet", "where the customers were read"),
        "rep_sheet": ("Rep sheet", "where the reps were read"),
        "customers": (
            "Customer records",
            "records allocated (rows rejected, e.g. without a name, are in “Data problems”)",
        ),
        "real_customers": (
            "After merging duplicates",
            "records of one customer (see “Duplicates”) go to one rep and count once against "
            "capacity",
        ),
        "assigned": ("Assigned", "see “Assignments”"),
        "unassigned": ("Unassigned", "see “Unassigned”; each has its reason"),
        "reps": ("Reps", "{active} active; inactive reps get no new customers"),
        "errors": (
            "Data problems",
            "see “Data problems”: one row per bad cell; the rest of its row is still used",
        ),
        "duplicates": ("Duplicate groups", "see “Duplicates”: records that look like one customer"),
        "conflicts": (
            "Conflicts",
            "duplicate groups whose records name different current owners: a manager must decide",
        ),
        "objective": (
            "Objective value",
            "value of the objective below (higher is better); this allocation is its optimum",
        ),
        "solver": (
            "Method",
            "exact optimum (min-cost flow), not a greedy approximation; ties break in a fixed "
            "order, so runs are reproducible",
        ),
        "sheet_notes": {
            "assignments": "one row per assigned customer: key facts, priority and tier, rep, score and reasons",
            "load": "one row per rep: existing and new customers, capacity and utilisation, value and tier mix of the new customers; with a chart",
            "unassigned": "customers that could not be assigned, and why",
            "errors": "every bad cell found while reading: sheet, row (as Excel numbers it), column, content, problem",
            "duplicates": "records that look like the same customer, and why; groups naming different current owners are marked as conflicts",
            "about": "this page: the rules and facts of this run",
        },
        "formula": (
            "Formula",
            "Σ (M + score)  −  λ · Σ_rep Σ_k (k − 1) / capacity",
            "score = priority × fit. The first term rewards every assigned customer (M) plus its "
            "score; the second is the balance cost: each further customer of a rep costs more as "
            "its load grows (k counts from the rep's existing customers + 1 to its load after the "
            "run). Of all allocations that follow the rules, the one with the largest objective is "
            "chosen.",
        ),
        "constraints": (
            "Constraints",
            "",
            "each customer goes to at most one rep; only to active reps that territory and routing "
            "rules allow; a locked customer stays with its owner; each rep's existing + new "
            "customers ≤ capacity.",
        ),
        "coverage_weight": (
            "Coverage weight M",
            "added per assigned customer: nobody is left out while capacity remains",
        ),
        "balance_weight": (
            "Balance weight λ",
            "0 = best match only; larger = more even workload",
        ),
        "priority_formula": (
            "Priority",
            "",
            "priority = 100 × Σ(part × weight) / Σ weights, each part between 0 and 1; two "
            "decimals.",
        ),
        "w_value": (
            "Weight: potential value",
            "log scale: 0 yuan scores 0, {full} and above score full (unit {unit})",
        ),
        "w_intent": (
            "Weight: intent",
            "high {high:g}, medium {medium:g}, low {low:g}, unknown {unknown:g} (0–1)",
        ),
        "w_newness": (
            "Weight: new customer",
            "customer type “new” scores full, “existing” 0; when not given, no past deal means new",
        ),
        "w_history": (
            "Weight: history",
            "half from past deal amount (log scale, {full} scores full), half from the last deal "
            "(halves every {days:g} days)",
        ),
        "tier_a": ("Tier A from", "priority ≥ this is tier A"),
        "tier_b": ("Tier B from", "priority ≥ this is tier B; below is tier C"),
        "fit_formula": ("Fit", "", "fit = 1 + the bonuses below that apply."),
        "f_industry": ("Industry", "the rep knows the customer's industry"),
        "f_product": ("Products", "× share of the customer's needed products the rep sells"),
        "f_level": ("Level", "tier A to senior, B to mid, C to junior reps"),
        "f_incumbent": ("Current owner", "the rep already owns the customer (stickiness)"),
        "f_region": (
            "Region",
            "the rep covers the customer's region; only when territory is not a hard rule",
        ),
        "territory": ("Territory", ""),
        "territory_modes": {
            "hard": (
                "hard",
                "only reps covering the customer's province or city; 全国 (nationwide) reps take any",
            ),
            "soft": ("soft", "any rep may take it; reps covering the region get the region bonus"),
            "off": ("off", "region is ignored"),
        },
        "default_capacity": (
            "Default capacity",
            "capacity (most customers owned at once) of reps whose sheet leaves it empty",
        ),
        "active_rule": (
            "Active",
            "",
            "inactive reps (no, left, on leave …) get no new customers.",
        ),
        "locked_rule": (
            "Locked customers",
            "",
            "a locked customer may only stay with its current owner; unassigned when the owner "
            "cannot take it.",
        ),
        "routing_intro": (
            "Routing rules are tried in order; the first match decides which teams or reps may take "
            "the customer. A customer matching no rule may go to any rep (territory still applies)."
        ),
        "no_rules": "no routing rules",
        "rule": "Rule {n}",
        "rule_text": "when {when}, only {who}{ignore}",
        "rule_all": "any customer",
        "rule_and": " and ",
        "rule_or": " or ",
        "rule_regions": "region is {}",
        "rule_industries": "industry is {}",
        "rule_tiers": "tier is {}",
        "rule_intents": "intent is {}",
        "rule_min": "potential value ≥ {}",
        "rule_max": "potential value ≤ {}",
        "rule_teams": "team {}",
        "rule_reps": "rep {}",
        "rule_ignore": " (territory ignored; reps covering the region still get the region bonus)",
    },
}

TEXTS: dict[str, dict[str, Any]] = {"zh": ZH, "en": EN}


def texts(lang: str) -> dict[str, Any]:
    try:
        return TEXTS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}") from None


def money_words(amount: float, lang: str) -> str:
    """An amount of yuan as people say it: 5000000 → "500万元" / "¥5,000,000"."""
    if lang == "zh":
        if amount >= 100_000_000 and amount % 10_000_000 == 0:
            return f"{amount / 100_000_000:g}亿元"
        if amount >= 10_000 and amount % 1_000 == 0:
            return f"{amount / 10_000:g}万元"
        return f"{amount:,.0f} 元"
    return f"¥{amount:,.0f}"
