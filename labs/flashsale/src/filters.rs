//! Admission filters: what stands in front of the database and turns most buyers away before
//! they cost it anything. Given in order (`--filters random:0.2,one-per-user,sold-out`), each
//! sees only the buyers the ones before it let through:
//!
//! ```text
//! random:P        let a share P of the buyers through (a lottery)
//! threshold:K     admit the first K buyers, then nobody
//! waves:N/T       release the stock in N rounds, one every T seconds
//! token-bucket:R  at most R buyers per second (and a burst of R)
//! reservation     only buyers who registered before the sale (the first 3 × stock users)
//! captcha:MS      every buyer spends MS milliseconds on a puzzle; bots fail it
//! one-per-user    a buyer who already has an order is refused in memory (and a unique index
//!                 in the database refuses the rest)
//! sold-out        once a product is gone, say so without asking the database
//! ```
//!
//! Each filter is one type with one job, behind the small [`Admission`] trait: let a buyer
//! through or say why not, and hear how a purchase it let through ended. The shop counts the
//! buyers each filter let through, so the dashboard shows the funnel: offered → through each
//! filter → ordered.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Why a buyer was turned away; the HTTP status a web front would answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 429: filtered (lottery, threshold, wave, rate, captcha).
    Filtered,
    /// 403: not registered for the sale.
    NotReserved,
    /// 409: the product is sold out, or this buyer already has one.
    SoldOut,
}

/// What a filter may look at.
pub struct Buyer {
    pub user: u64,
    pub product: u32,
    pub bot: bool,
}

/// The sale's state the filters need.
pub struct SaleState {
    pub started: Instant,
    pub stock_per_product: u64,
    pub products: u32,
    /// Orders so far (for the waves).
    pub orders: AtomicU64,
}

impl SaleState {
    fn stock(&self) -> u64 {
        self.stock_per_product * self.products as u64
    }
}

/// One admission filter. Many buyers pass at once, so a filter keeps its state behind atomics
/// or a lock and takes `&self`.
pub trait Admission: Send + Sync + std::fmt::Debug {
    /// The name the funnel shows, as it was typed: `random:0.2`.
    fn label(&self) -> String;

    /// Lets `buyer` through, or says why not.
    fn admit(&self, buyer: &Buyer, sale: &SaleState) -> Result<(), Refusal>;

    /// Hears how a purchase this filter let through ended.
    fn after(&self, _buyer: &Buyer, _bought: bool) {}

    /// The time every buyer spends here, known before the sale (a puzzle to solve).
    fn cost_per_buyer(&self) -> Duration {
        Duration::ZERO
    }

    /// For a lottery: its coins drawn from `seed` instead.
    fn reseed(&mut self, _seed: u64) {}
}

/// `random:P`: a lottery that lets a share of the buyers through.
#[derive(Debug)]
pub struct Lottery {
    share: f64,
    salt: u64,
}

impl Admission for Lottery {
    fn label(&self) -> String {
        format!("random:{}", self.share)
    }

    fn admit(&self, buyer: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        // A fair coin per buyer that does not change when they retry.
        let coin = ((buyer.user ^ self.salt).wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64
            / (1u64 << 53) as f64;
        admitted_if(coin < self.share, Refusal::Filtered)
    }

    fn reseed(&mut self, seed: u64) {
        self.salt = seed;
    }
}

/// `threshold:K`: the first K buyers, then nobody.
#[derive(Debug)]
pub struct Threshold {
    most: u64,
    admitted: AtomicU64,
}

impl Admission for Threshold {
    fn label(&self) -> String {
        format!("threshold:{}", self.most)
    }

    fn admit(&self, _: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        let earlier = self.admitted.fetch_add(1, Ordering::Relaxed);
        admitted_if(earlier < self.most, Refusal::Filtered)
    }
}

/// `waves:N/T`: the stock released in N rounds, one every T.
#[derive(Debug)]
pub struct Waves {
    waves: u32,
    every: Duration,
}

impl Admission for Waves {
    fn label(&self) -> String {
        format!("waves:{}/{}", self.waves, self.every.as_secs_f64())
    }

    fn admit(&self, _: &Buyer, sale: &SaleState) -> Result<(), Refusal> {
        let waves = self.waves as u64;
        let round = if self.every.is_zero() {
            waves
        } else {
            let elapsed = sale.started.elapsed().as_secs_f64();
            ((elapsed / self.every.as_secs_f64()) as u64 + 1).min(waves)
        };
        let released = sale.stock() * round / waves;
        admitted_if(
            sale.orders.load(Ordering::Relaxed) < released,
            Refusal::Filtered,
        )
    }
}

/// `token-bucket:R`: at most R buyers a second, and a burst of R.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    /// Tokens in the bucket, and when it was last filled.
    state: Mutex<(f64, Instant)>,
}

impl Admission for TokenBucket {
    fn label(&self) -> String {
        format!("token-bucket:{}", self.rate)
    }

    fn admit(&self, _: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        let mut state = lab_core::lock(&self.state);
        let (tokens, last) = &mut *state;
        let now = Instant::now();
        let refilled = now.duration_since(*last).as_secs_f64() * self.rate;
        *tokens = (*tokens + refilled).min(self.rate.max(1.0));
        *last = now;
        let admitted = *tokens >= 1.0;
        if admitted {
            *tokens -= 1.0;
        }
        admitted_if(admitted, Refusal::Filtered)
    }
}

/// `reservation`: only buyers who registered before the sale (the first 3 × stock users).
#[derive(Debug)]
pub struct Reservation;

impl Admission for Reservation {
    fn label(&self) -> String {
        "reservation".to_string()
    }

    fn admit(&self, buyer: &Buyer, sale: &SaleState) -> Result<(), Refusal> {
        admitted_if(buyer.user <= sale.stock() * 3, Refusal::NotReserved)
    }
}

/// `captcha:MS`: a puzzle every buyer spends MS on; bots fail it.
#[derive(Debug)]
pub struct Captcha {
    cost: Duration,
}

impl Admission for Captcha {
    fn label(&self) -> String {
        format!("captcha:{}", self.cost.as_millis())
    }

    fn admit(&self, buyer: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        if buyer.bot {
            return Err(Refusal::Filtered);
        }
        std::thread::sleep(self.cost);
        Ok(())
    }

    fn cost_per_buyer(&self) -> Duration {
        self.cost
    }
}

/// `one-per-user`: a buyer who already has an order is refused in memory (and a unique index
/// in the database refuses the rest).
#[derive(Debug, Default)]
pub struct OnePerUser {
    bought: Mutex<HashSet<(u64, u32)>>,
}

impl OnePerUser {
    fn bought(&self) -> std::sync::MutexGuard<'_, HashSet<(u64, u32)>> {
        lab_core::lock(&self.bought)
    }
}

impl Admission for OnePerUser {
    fn label(&self) -> String {
        "one-per-user".to_string()
    }

    fn admit(&self, buyer: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        let has_one = self.bought().contains(&(buyer.user, buyer.product));
        admitted_if(!has_one, Refusal::SoldOut)
    }

    fn after(&self, buyer: &Buyer, bought: bool) {
        if bought {
            self.bought().insert((buyer.user, buyer.product));
        }
    }
}

/// `sold-out`: once a product is gone, say so without asking the database.
#[derive(Debug)]
pub struct SoldOut {
    gone: Vec<AtomicBool>,
}

impl Admission for SoldOut {
    fn label(&self) -> String {
        "sold-out".to_string()
    }

    fn admit(&self, buyer: &Buyer, _: &SaleState) -> Result<(), Refusal> {
        let gone = self
            .gone_flag(buyer)
            .is_some_and(|gone| gone.load(Ordering::Relaxed));
        admitted_if(!gone, Refusal::SoldOut)
    }

    fn after(&self, buyer: &Buyer, bought: bool) {
        if let (false, Some(gone)) = (bought, self.gone_flag(buyer)) {
            gone.store(true, Ordering::Relaxed);
        }
    }
}

impl SoldOut {
    fn gone_flag(&self, buyer: &Buyer) -> Option<&AtomicBool> {
        self.gone.get((buyer.product as usize).checked_sub(1)?)
    }
}

fn admitted_if(admitted: bool, otherwise: Refusal) -> Result<(), Refusal> {
    if admitted { Ok(()) } else { Err(otherwise) }
}

/// One filter of the chain, whichever it is.
#[derive(Debug)]
pub struct Filter(Box<dyn Admission>);

impl Filter {
    /// Reads `name:argument`; the error says what is accepted.
    pub fn parse(text: &str, products: u32) -> Result<Filter, String> {
        let (name, argument) = text.split_once(':').unwrap_or((text, ""));
        let number = |what: &str| -> Result<f64, String> {
            argument
                .parse::<f64>()
                .ok()
                .filter(|value| value.is_finite() && *value >= 0.0)
                .ok_or_else(|| {
                    format!("filter {name} needs {what}, as in {name}:{}", example(name))
                })
        };
        let filter: Box<dyn Admission> = match name {
            "random" => {
                let share = number("a share between 0 and 1")?;
                if share > 1.0 {
                    return Err(format!(
                        "filter random:{argument}: a share is between 0 and 1"
                    ));
                }
                Box::new(Lottery { share, salt: 0 })
            }
            "threshold" => Box::new(Threshold {
                most: number("a number of buyers")? as u64,
                admitted: AtomicU64::new(0),
            }),
            "waves" => Box::new(parse_waves(argument)?),
            "token-bucket" => {
                let rate = number("a rate per second")?;
                if rate <= 0.0 {
                    return Err(format!(
                        "filter token-bucket:{argument}: the rate is buyers per second above 0 (0 would admit nobody)"
                    ));
                }
                Box::new(TokenBucket {
                    rate,
                    state: Mutex::new((rate, Instant::now())),
                })
            }
            "reservation" => Box::new(Reservation),
            "captcha" => {
                let milliseconds = number("milliseconds")?;
                if milliseconds / 1000.0 > lab_core::seconds::LONGEST.as_secs_f64() {
                    return Err(format!(
                        "filter captcha:{argument}: at most {} ms",
                        lab_core::seconds::LONGEST.as_millis()
                    ));
                }
                Box::new(Captcha {
                    cost: lab_core::seconds::clamped(milliseconds / 1000.0),
                })
            }
            "one-per-user" => Box::new(OnePerUser::default()),
            "sold-out" => Box::new(SoldOut {
                gone: (0..products.max(1))
                    .map(|_| AtomicBool::new(false))
                    .collect(),
            }),
            other => {
                return Err(format!(
                    "unknown filter \"{other}\": use random:P, threshold:K, waves:N/T, token-bucket:R, reservation, captcha:MS, one-per-user or sold-out"
                ));
            }
        };
        Ok(Filter(filter))
    }

    /// The name the funnel shows.
    pub fn label(&self) -> String {
        self.0.label()
    }

    /// Lets `buyer` through, or says why not.
    pub fn admit(&self, buyer: &Buyer, sale: &SaleState) -> Result<(), Refusal> {
        self.0.admit(buyer, sale)
    }

    /// Hears how a purchase that went through ended.
    pub fn after(&self, buyer: &Buyer, bought: bool) {
        self.0.after(buyer, bought);
    }

    /// The time every buyer spends on this filter, known before the sale.
    pub fn cost_per_buyer(&self) -> Duration {
        self.0.cost_per_buyer()
    }

    /// The same filter with its lottery drawn from `seed` (the other filters draw nothing).
    pub fn with_lottery_seed(mut self, seed: u64) -> Filter {
        self.0.reseed(seed);
        self
    }
}

fn parse_waves(argument: &str) -> Result<Waves, String> {
    let (waves, every) = argument
        .split_once('/')
        .ok_or_else(|| "filter waves needs rounds/seconds, as in waves:5/2".to_string())?;
    let waves: u32 = waves
        .parse()
        .ok()
        .filter(|waves| *waves > 0)
        .ok_or_else(|| "filter waves:N/T: N is a number of rounds above 0".to_string())?;
    let every: f64 = every
        .parse()
        .ok()
        .filter(|every: &f64| *every == 0.0 || lab_core::seconds::positive(*every).is_some())
        .ok_or_else(|| {
            format!(
                "filter waves:N/T: T is seconds between rounds, 0 or {}",
                lab_core::seconds::expected()
            )
        })?;
    Ok(Waves {
        waves,
        every: lab_core::seconds::clamped(every),
    })
}

fn example(name: &str) -> &'static str {
    match name {
        "random" => "0.1",
        "threshold" => "500",
        "token-bucket" => "200",
        "captcha" => "50",
        _ => "…",
    }
}

/// Reads a list of filters, naming the one that is wrong.
pub fn parse_all(texts: &[String], products: u32) -> Result<Vec<Filter>, String> {
    texts
        .iter()
        .map(|text| Filter::parse(text.trim(), products))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_and_times_that_make_no_sense_are_refused() {
        for bad in [
            "token-bucket:0",
            "token-bucket:-1",
            "captcha:1e308",
            "waves:3/1e300",
            "waves:3/NaN",
            "random:2",
        ] {
            assert!(Filter::parse(bad, 1).is_err(), "{bad}");
        }
        assert!(Filter::parse("waves:3/0", 1).is_ok());
    }

    use super::*;

    fn sale() -> SaleState {
        SaleState {
            started: Instant::now(),
            stock_per_product: 100,
            products: 1,
            orders: AtomicU64::new(0),
        }
    }

    fn buyer(user: u64) -> Buyer {
        Buyer {
            user,
            product: 1,
            bot: false,
        }
    }

    #[test]
    fn a_lottery_lets_about_its_share_through() {
        let filter = Filter::parse("random:0.2", 1).unwrap();
        let through = (1..=10_000)
            .filter(|user| filter.admit(&buyer(*user), &sale()).is_ok())
            .count();
        assert!((1800..=2200).contains(&through), "{through}");
    }

    #[test]
    fn a_threshold_admits_exactly_k() {
        let filter = Filter::parse("threshold:50", 1).unwrap();
        let through = (1..=500)
            .filter(|user| filter.admit(&buyer(*user), &sale()).is_ok())
            .count();
        assert_eq!(through, 50);
    }

    #[test]
    fn a_token_bucket_lets_its_burst_through_then_refills_at_its_rate() {
        let filter = Filter::parse("token-bucket:20", 1).unwrap();
        let state = sale();
        let counting = Instant::now();
        let burst = (1..=100)
            .filter(|user| filter.admit(&buyer(*user), &state).is_ok())
            .count();
        // A full bucket of 20, plus what refilled while counting (20 a second).
        let refill = (counting.elapsed().as_secs_f64() * 20.0).ceil() as usize;
        assert!((20..=20 + refill).contains(&burst), "{burst}");
        std::thread::sleep(Duration::from_millis(200));
        // At least four tokens came back in 200 ms or more; never more than the bucket holds.
        let refilled = (1..=100)
            .filter(|user| filter.admit(&buyer(*user), &state).is_ok())
            .count();
        assert!((3..=20).contains(&refilled), "{refilled}");
    }

    #[test]
    fn waves_release_the_stock_round_by_round() {
        let filter = Filter::parse("waves:4/3600", 1).unwrap();
        let state = sale();
        state.orders.store(24, Ordering::Relaxed);
        assert!(
            filter.admit(&buyer(1), &state).is_ok(),
            "25 of 100 released in round one"
        );
        state.orders.store(25, Ordering::Relaxed);
        assert_eq!(filter.admit(&buyer(1), &state), Err(Refusal::Filtered));
    }

    #[test]
    fn reservations_captchas_and_one_per_user_refuse_whom_they_should() {
        let state = sale();
        let reservation = Filter::parse("reservation", 1).unwrap();
        assert!(reservation.admit(&buyer(300), &state).is_ok());
        assert_eq!(
            reservation.admit(&buyer(301), &state),
            Err(Refusal::NotReserved)
        );
        let captcha = Filter::parse("captcha:0", 1).unwrap();
        assert_eq!(
            captcha.admit(
                &Buyer {
                    bot: true,
                    ..buyer(1)
                },
                &state
            ),
            Err(Refusal::Filtered)
        );
        let once = Filter::parse("one-per-user", 1).unwrap();
        assert!(once.admit(&buyer(7), &state).is_ok());
        once.after(&buyer(7), true);
        assert_eq!(once.admit(&buyer(7), &state), Err(Refusal::SoldOut));
        let sold_out = Filter::parse("sold-out", 1).unwrap();
        sold_out.after(&buyer(7), false);
        assert_eq!(sold_out.admit(&buyer(8), &state), Err(Refusal::SoldOut));
    }

    #[test]
    fn bad_filters_are_named() {
        assert!(
            Filter::parse("random:2", 1)
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            Filter::parse("waves:3", 1)
                .unwrap_err()
                .contains("waves:5/2")
        );
        assert!(
            Filter::parse("lotery", 1)
                .unwrap_err()
                .starts_with("unknown filter \"lotery\"")
        );
    }
}
