//! Which SMTP failures are about the recipient and which are about the relay. Only a
//! permanent refusal of the recipient may mark an invitation bounced; a relay that
//! refuses us (authentication, TLS, no connection, our sender address) says nothing about
//! anyone's mailbox, so the dispatch run stops and every message stays queued.

use std::fmt;

/// The step of the SMTP session a reply answered (or during which the link failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpPhase {
    /// TCP connect, TLS, greeting, EHLO, STARTTLS.
    Connect,
    Auth,
    MailFrom,
    RcptTo,
    /// DATA and the message content.
    Data,
}

impl fmt::Display for SmtpPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::Auth => "AUTH",
            Self::MailFrom => "MAIL FROM",
            Self::RcptTo => "RCPT TO",
            Self::Data => "DATA",
        })
    }
}

/// An enhanced status code (RFC 3463): `class.subject.detail`, e.g. `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnhancedCode {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedCode {
    /// The code a reply text starts with (`5.1.1 User unknown`), if it has one.
    pub fn at_start_of(text: &str) -> Option<Self> {
        let word = text.split_whitespace().next()?;
        let mut parts = word.split('.');
        let class = parts.next()?.parse().ok()?;
        let subject = parts.next()?.parse().ok()?;
        let detail = parts.next()?.parse().ok()?;
        (parts.next().is_none() && matches!(class, 2 | 4 | 5)).then_some(Self {
            class,
            subject,
            detail,
        })
    }

    /// X.1.7 and X.1.8 are about the sender's address, every other X.1.x and all of X.2.x
    /// about the recipient's address or mailbox.
    fn is_about_sender(self) -> bool {
        self.subject == 1 && matches!(self.detail, 7 | 8)
    }

    fn is_about_recipient(self) -> bool {
        matches!(self.subject, 1 | 2) && !self.is_about_sender()
    }
}

/// A negative SMTP reply: the basic code and the enhanced code its text starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpReply {
    pub code: u16,
    pub enhanced: Option<EnhancedCode>,
}

impl SmtpReply {
    pub fn new(code: u16, text: &str) -> Self {
        Self {
            code,
            enhanced: EnhancedCode::at_start_of(text),
        }
    }

    fn is_permanent(self) -> bool {
        (500..600).contains(&self.code)
    }
}

/// Why the relay would not take any message from us: the `kind` label of
/// `nyttopuls_mail_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelayFailure {
    /// The relay refused our credentials, or requires some we do not have.
    Auth,
    /// No usable session: refused or dropped connection, TLS failure, timeout, greeting.
    Connection,
    /// The relay refused `mail.from`.
    Sender,
}

impl RelayFailure {
    pub const ALL: [Self; 3] = [Self::Auth, Self::Connection, Self::Sender];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Connection => "connection",
            Self::Sender => "sender",
        }
    }
}

impl fmt::Display for RelayFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one failed send means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The recipient's address or mailbox is refused for good: the invitation bounced.
    Bounced,
    /// This message was not taken now; try it again later (with backoff). Also used for
    /// a permanent refusal that is about neither the recipient nor the relay as a whole
    /// (content, policy): it proves nothing about the address, and an operator may fix it.
    RetryLater,
    /// The relay refuses us as a whole: stop the run, keep every message queued.
    StopRun(RelayFailure),
}

/// Classifies a failure from the phase it happened in and the server's reply (`None`
/// when there was no reply: network, TLS, timeout, or a client-side refusal).
pub fn classify(phase: SmtpPhase, reply: Option<SmtpReply>) -> Verdict {
    // 530 authentication required, 534 mechanism too weak, 535 credentials invalid,
    // 538 encryption required for the mechanism: whatever command they answer.
    let auth_code = reply.is_some_and(|r| matches!(r.code, 530 | 534 | 535 | 538));
    if phase == SmtpPhase::Auth || auth_code {
        return Verdict::StopRun(RelayFailure::Auth);
    }
    let Some(reply) = reply else {
        return Verdict::StopRun(RelayFailure::Connection);
    };
    match phase {
        SmtpPhase::Connect | SmtpPhase::Auth => Verdict::StopRun(RelayFailure::Connection),
        SmtpPhase::MailFrom if reply.is_permanent() => Verdict::StopRun(RelayFailure::Sender),
        SmtpPhase::MailFrom => Verdict::RetryLater,
        SmtpPhase::RcptTo | SmtpPhase::Data if reply.is_permanent() => {
            match reply.enhanced {
                // An enhanced code says exactly what the refusal is about.
                Some(code) if code.is_about_recipient() => Verdict::Bounced,
                Some(code) if code.is_about_sender() => Verdict::StopRun(RelayFailure::Sender),
                Some(_) => Verdict::RetryLater,
                None if phase == SmtpPhase::RcptTo && matches!(reply.code, 550 | 551 | 553) => {
                    Verdict::Bounced
                }
                None => Verdict::RetryLater,
            }
        }
        SmtpPhase::RcptTo | SmtpPhase::Data => Verdict::RetryLater,
    }
}

/// A relay's reply with every email address in it replaced by `<address>`: relays quote
/// the recipient ("<anna@kommun.se>: Relay access denied"), and what goes to the log
/// names the outbox message, never the person.
pub fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if word.contains('@') {
            // Keep what follows the address in the same word (`<a@x.se>:` → `<address>:`).
            let suffix = match word.rfind('>') {
                Some(end) => &word[end + 1..],
                None => &word[word.trim_end_matches([':', ',', ';', ')']).len()..],
            };
            out.push_str("<address>");
            out.push_str(suffix);
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{SmtpPhase::*, Verdict::*, *};

    fn reply(code: u16, text: &str) -> Option<SmtpReply> {
        Some(SmtpReply::new(code, text))
    }

    #[test]
    fn enhanced_codes_are_read_from_the_start_of_the_text_only() {
        assert_eq!(
            EnhancedCode::at_start_of("5.1.1 <a@x.se>: user unknown"),
            Some(EnhancedCode {
                class: 5,
                subject: 1,
                detail: 1
            })
        );
        assert_eq!(
            EnhancedCode::at_start_of("5.7.54 Unable to relay").map(|c| c.detail),
            Some(54)
        );
        for text in [
            "Mailbox unavailable",
            "",
            "see 5.1.1",
            "5.1",
            "5.1.1.1",
            "9.1.1 x",
        ] {
            assert_eq!(EnhancedCode::at_start_of(text), None, "{text:?}");
        }
    }

    #[test]
    fn addresses_are_left_out_of_what_is_logged() {
        assert_eq!(
            without_addresses("RCPT TO: 554 5.7.1 <anna.berg@kommun.se>: Relay access denied"),
            "RCPT TO: 554 5.7.1 <address>: Relay access denied"
        );
        assert_eq!(
            without_addresses("550 user anna@kommun.se unknown"),
            "550 user <address> unknown"
        );
    }

    /// Each case is a phase, the reply (`None`: no reply) and, where the case needs one,
    /// why it gets the verdict.
    type Case = (SmtpPhase, Option<SmtpReply>, &'static str);

    fn assert_verdict(expected: Verdict, cases: &[Case]) {
        for &(phase, reply, why) in cases {
            assert_eq!(
                classify(phase, reply),
                expected,
                "{phase}, {reply:?}: {why}"
            );
        }
    }

    #[test]
    fn a_refused_recipient_bounces() {
        assert_verdict(
            Bounced,
            &[
                (RcptTo, reply(550, "5.1.1 User unknown"), ""),
                (RcptTo, reply(550, "Mailbox unavailable"), ""),
                (RcptTo, reply(551, "User not local"), ""),
                (RcptTo, reply(553, "Mailbox name not allowed"), ""),
                (RcptTo, reply(554, "5.1.10 Null MX"), ""),
                (RcptTo, reply(552, "5.2.2 Mailbox full"), ""),
                (
                    Data,
                    reply(550, "5.1.1 User unknown"),
                    "servers that check recipients only after the content",
                ),
            ],
        );
    }

    #[test]
    fn authentication_failures_stop_the_run() {
        assert_verdict(
            StopRun(RelayFailure::Auth),
            &[
                (Auth, reply(535, "5.7.8 Invalid credentials"), ""),
                (Auth, reply(454, "4.7.0 Try later"), ""),
                (Auth, None, "no common mechanism"),
                (MailFrom, reply(530, "5.7.0 Authentication required"), ""),
                (RcptTo, reply(530, "Authentication required"), ""),
            ],
        );
    }

    #[test]
    fn connection_failures_stop_the_run() {
        assert_verdict(
            StopRun(RelayFailure::Connection),
            &[
                (Connect, None, "refused or TLS"),
                (Connect, reply(421, "4.3.2 Service not available"), ""),
                (Connect, reply(554, "No SMTP service here"), ""),
                (
                    Connect,
                    reply(550, "IP address on blocklists"),
                    "a 550 to the greeting is not about any recipient",
                ),
                (RcptTo, None, "link dropped"),
                (Data, None, ""),
            ],
        );
    }

    #[test]
    fn a_refused_sender_stops_the_run() {
        assert_verdict(
            StopRun(RelayFailure::Sender),
            &[
                (MailFrom, reply(550, "Sender rejected"), ""),
                (MailFrom, reply(553, "5.1.8 Sender domain unknown"), ""),
                (RcptTo, reply(550, "5.1.7 Bad sender address syntax"), ""),
            ],
        );
    }

    #[test]
    fn other_refusals_are_retried_and_bounce_nobody() {
        assert_verdict(
            RetryLater,
            &[
                (MailFrom, reply(451, "Local error"), ""),
                (RcptTo, reply(450, "4.2.1 Try later"), ""),
                (RcptTo, reply(452, "Too many recipients"), ""),
                (
                    RcptTo,
                    reply(550, "5.7.54 Unable to relay"),
                    "policy, not the mailbox",
                ),
                (RcptTo, reply(554, "Transaction failed"), ""),
                (
                    Data,
                    reply(550, "Message rejected as spam"),
                    "a bare 550 only bounces in reply to RCPT",
                ),
                (Data, reply(554, "5.6.0 Content rejected"), ""),
            ],
        );
    }
}
