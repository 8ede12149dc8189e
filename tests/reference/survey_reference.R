# Reference values for survey.stats, computed with R's survey package.
#
#   Rscript tests/reference/survey_reference.R     (from the repository root; Debian: r-cran-survey)
#
# Writes tests/reference/apistrat.csv (the columns we use of survey's `apistrat` data) and
# tests/reference/survey_reference.json (17 significant digits). The test suite reads both and never
# needs R. Every design is svydesign(id=~1, strata=~h, weights=~w, fpc=~N) with
# options(survey.lonely.psu = "adjust").

suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "adjust")
here <- "tests/reference"
out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey"))))

stat <- function(s, d, deff = TRUE) {
  r <- list(value = unname(coef(s))[1], se = unname(SE(s))[1],
            ci_normal = unname(confint(s)[1, ]), ci_t = unname(confint(s, df = degf(d))[1, ]))
  if (deff) r$deff <- unname(deff(s))[1]
  r
}
by_stat <- function(b) {
  # svyby result → one entry per group: value, se, deff
  lapply(split(b, seq_len(nrow(b))), function(row) list(
    group = as.character(row[[1]]), value = unname(row[[2]]), se = unname(row[[3]]),
    deff = unname(row[[4]])))
}
ciprop <- function(formula, d, method, df = degf(d)) {
  r <- svyciprop(formula, d, method = method, df = df)
  list(value = unname(as.numeric(r)), ci = unname(as.numeric(attr(r, "ci"))), se = sqrt(unname(attr(r, "var")[1])))
}
chisq <- function(formula, d) {
  f <- svychisq(formula, d, statistic = "F")
  x <- svychisq(formula, d, statistic = "Chisq")
  list(chisq = unname(x$statistic), chisq_df = unname(x$parameter), chisq_p = unname(x$p.value),
       f = unname(f$statistic), f_ndf = unname(f$parameter[1]), f_ddf = unname(f$parameter[2]),
       f_p = unname(f$p.value))
}

# --- the api data (stratified by school type, with fpc) ---------------------------------------
data(api)
api <- apistrat[, c("stype", "pw", "fpc", "api00", "api99", "enroll", "sch.wide", "comp.imp", "awards", "meals")]
write.csv(api, file.path(here, "apistrat.csv"), row.names = FALSE)
api$wide <- as.numeric(api$sch.wide == "Yes")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = api)

out$api <- list(
  degf = degf(dstrat),
  mean_api00 = stat(svymean(~api00, dstrat, deff = TRUE), dstrat),
  total_enroll = stat(svytotal(~enroll, dstrat, deff = TRUE), dstrat),
  mean_api00_by_awards = by_stat(svyby(~api00, ~awards, dstrat, svymean, deff = TRUE)),
  total_enroll_by_comp_imp = by_stat(svyby(~enroll, ~comp.imp, dstrat, svytotal, deff = TRUE)),
  prop_wide_mean_normal = ciprop(~wide, dstrat, "mean", df = Inf),
  prop_wide_xlogit_normal = ciprop(~wide, dstrat, "xlogit", df = Inf),
  prop_wide_xlogit_t = ciprop(~wide, dstrat, "xlogit"),
  prop_wide_beta = ciprop(~wide, dstrat, "beta"),
  # domain: schools that met their comparable-improvement target (svyby → subset semantics)
  prop_wide_beta_comp_imp_yes = ciprop(~wide, subset(dstrat, comp.imp == "Yes"), "beta"),
  prop_wide_xlogit_comp_imp_yes = ciprop(~wide, subset(dstrat, comp.imp == "Yes"), "xlogit", df = Inf),
  chisq_stype_awards = chisq(~stype + awards, dstrat),
  chisq_comp_imp_awards = chisq(~comp.imp + awards, dstrat)
)

pop_comp_imp <- data.frame(comp.imp = c("No", "Yes"), Freq = as.vector(table(apipop$comp.imp)))
dps <- postStratify(dstrat, ~comp.imp, pop_comp_imp)
out$api$poststratified <- list(
  totals = as.list(setNames(pop_comp_imp$Freq, pop_comp_imp$comp.imp)),
  mean_api00 = stat(svymean(~api00, dps, deff = TRUE), dps),
  total_enroll = stat(svytotal(~enroll, dps, deff = TRUE), dps),
  mean_api00_by_awards = by_stat(svyby(~api00, ~awards, dps, svymean, deff = TRUE))
)

awards_pop <- table(apipop$awards)
comp_pop <- table(apipop$comp.imp)
drake <- calibrate(dstrat, ~awards + comp.imp,
                   population = c(`(Intercept)` = nrow(apipop), awardsYes = unname(awards_pop["Yes"]),
                                  comp.impYes = unname(comp_pop["Yes"])),
                   calfun = "raking", epsilon = 1e-13, maxit = 200)
out$api$raked <- list(
  awards = as.list(setNames(as.vector(awards_pop), names(awards_pop))),
  comp_imp = as.list(setNames(as.vector(comp_pop), names(comp_pop))),
  weights_head = unname(weights(drake)[1:5]),
  mean_api00 = stat(svymean(~api00, drake), drake, deff = FALSE),
  total_enroll = stat(svytotal(~enroll, drake), drake, deff = FALSE),
  mean_api00_by_stype = by_stat(svyby(~api00, ~stype, drake, svymean, deff = TRUE))
)

# --- our own satisfaction sample: DK excluded per indicator, a stratum of 2, a lonely stratum ---
own <- read.csv(file.path(here, "own_sample.csv"), stringsAsFactors = FALSE, encoding = "UTF-8")
for (j in 1:3) {
  q <- own[[paste0("q", j)]]
  own[[paste0("v", j)]] <- as.numeric(!is.na(q))
  own[[paste0("s", j)]] <- ifelse(is.na(q), 0, q)
  own[[paste0("sat", j)]] <- ifelse(is.na(q), NA, as.numeric(q >= 80))
}
down <- svydesign(id = ~1, strata = ~stratum, weights = ~w, fpc = ~N, data = own)
ratio <- svyratio(~s1 + s2 + s3, ~v1 + v2 + v3, down, covmat = TRUE)
# the diagonal ratios s_j / v_j are elements 1, 5, 9 of the 3 × 3 grid of ratios
v <- c(0.5, 0.3, 0.2)
composite <- svycontrast(ratio, c(v[1], 0, 0, 0, v[2], 0, 0, 0, v[3]))
dong <- subset(down, district == "东城")
ratio_dong <- svyratio(~s1 + s2 + s3, ~v1 + v2 + v3, dong, covmat = TRUE)
composite_dong <- svycontrast(ratio_dong, c(v[1], 0, 0, 0, v[2], 0, 0, 0, v[3]))
out$own <- list(
  degf = degf(down),
  score_q1 = stat(svymean(~q1, down, na.rm = TRUE, deff = TRUE), down),
  score_q1_by_district = by_stat(svyby(~q1, ~district, down, svymean, na.rm = TRUE, deff = TRUE)),
  ratio_q2 = list(value = unname(coef(ratio)[5]), se = sqrt(unname(vcov(ratio)[5, 5]))),
  composite_weights = v,
  composite = list(value = as.numeric(coef(composite)), se = as.numeric(SE(composite))),
  composite_dong = list(value = as.numeric(coef(composite_dong)), se = as.numeric(SE(composite_dong))),
  rate_q3 = stat(svymean(~sat3, down, na.rm = TRUE, deff = TRUE), down),
  rate_q3_beta = ciprop(~sat3, subset(down, !is.na(sat3)), "beta"),
  total_q1 = stat(svytotal(~q1, down, na.rm = TRUE, deff = TRUE), down),
  chisq_district_sex = chisq(~district + sex, down),
  rate_q1_by_district = by_stat(svyby(~sat1, ~district, down, svymean, na.rm = TRUE, deff = TRUE))
)

p <- c(0.001, 0.012, 0.02, 0.04, 0.041, 0.2, 0.5, 0.9, 0.03, NA)
out$p_adjust <- list(p = p, bh = p.adjust(p, "BH"), holm = p.adjust(p, "holm"))

# jsonlite prints at most 15 significant digits: write every number verbatim with 17.
num17 <- function(x) {
  s <- ifelse(is.na(x), "null", sprintf("%.17g", x))
  structure(if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]"), class = "json")
}
out <- rapply(out, num17, classes = c("numeric", "integer"), how = "replace")
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, json_verbatim = TRUE),
           file.path(here, "survey_reference.json"))
cat("wrote", file.path(here, "survey_reference.json"), "\n")
