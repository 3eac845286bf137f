//! ntopng's alert severities and the score → severity map (checks.md §1.2-1.3).

/// An alert severity, by ntopng's `severity_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    None = 0,
    Debug = 1,
    Info = 2,
    Notice = 3,
    Warning = 4,
    Error = 5,
    Critical = 6,
    Alert = 7,
    Emergency = 8,
}

impl Severity {
    /// `Utils::mapScoreToSeverity` (150 is not a boundary).
    pub fn from_score(score: u32) -> Severity {
        match score {
            0 => Severity::None,
            1..=9 => Severity::Info,
            10..=49 => Severity::Notice,
            50..=99 => Severity::Warning,
            100..=199 => Severity::Error,
            200..=249 => Severity::Critical,
            _ => Severity::Emergency,
        }
    }

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn from_id(id: i64) -> Option<Severity> {
        Some(match id {
            0 => Severity::None,
            1 => Severity::Debug,
            2 => Severity::Info,
            3 => Severity::Notice,
            4 => Severity::Warning,
            5 => Severity::Error,
            6 => Severity::Critical,
            7 => Severity::Alert,
            8 => Severity::Emergency,
            _ => return None,
        })
    }

    /// The key of `alert_severities.lua` ("error").
    pub fn key(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
            Severity::Alert => "alert",
            Severity::Emergency => "emergency",
        }
    }

    /// The title the counters endpoints show ("Error").
    pub fn title(self) -> &'static str {
        match self {
            Severity::None => "None",
            Severity::Debug => "Debug",
            Severity::Info => "Info",
            Severity::Notice => "Notice",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
            Severity::Critical => "Critical",
            Severity::Alert => "Alert",
            Severity::Emergency => "Emergency",
        }
    }

    /// `alert_severities.lua` colour.
    pub fn color(self) -> &'static str {
        match self {
            Severity::None | Severity::Debug => "#a8e4ef",
            Severity::Info => "#c1f0c1",
            Severity::Notice => "#5cd65c",
            Severity::Warning => "#ffc007",
            Severity::Error => "#ff3231",
            Severity::Critical | Severity::Alert | Severity::Emergency => "#fb6962",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Severity::*;
    use super::*;

    #[test]
    fn score_boundaries_follow_ntopng() {
        let cases = [(0, None), (1, Info), (9, Info), (10, Notice), (49, Notice), (50, Warning), (99, Warning),
            (100, Error), (150, Error), (199, Error), (200, Critical), (249, Critical), (250, Emergency), (500, Emergency)];
        for (score, sev) in cases {
            assert_eq!(Severity::from_score(score), sev, "score {score}");
        }
        assert_eq!(Severity::from_id(5).unwrap().title(), "Error");
    }
}
