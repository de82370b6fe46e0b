//! The command line. Every command, subcommand and argument says what it
//! is for in a short Vietnamese line (`gocua … --help`); `usage` gives the
//! help pages Vietnamese headings.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gocua",
    version,
    about = "Gõ Cửa: sổ tay tổ công nghệ số cộng đồng (dòng lệnh)"
)]
pub struct Cli {
    /// Tệp dữ liệu của thiết bị (mã hóa). Mã khóa lấy từ biến GOCUA_DB_KEY,
    /// hoặc được hỏi trong cửa sổ dòng lệnh.
    #[arg(long, env = "GOCUA_DB", global = true, default_value = "gocua.db")]
    pub db: PathBuf,
    /// In kết quả dạng JSON cho chương trình thay vì văn bản cho người đọc.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Tạo tệp dữ liệu và đặt tên cho thiết bị (không đăng ký với máy chủ).
    Init {
        /// Tên thiết bị, ví dụ "Máy của Lan".
        #[arg(long)]
        device_name: String,
    },
    /// Thiết bị, đăng ký, số thay đổi chưa gửi, lần đồng bộ gần nhất, cách ly.
    Status,
    /// Đăng ký thiết bị với máy chủ của xã bằng mã một lần do tổ trưởng cấp:
    /// `enroll https://MÁY_CHỦ:CỔNG MÃ`, hoặc nội dung mã QR đăng ký
    /// (`enroll 'gocua-enroll:v1?url=…&code=…&fp=…'`). Tạo tệp dữ liệu nếu chưa có.
    Enroll {
        /// Địa chỉ https:// của máy chủ, hoặc nội dung mã QR.
        target: String,
        /// Mã đăng ký (khi đưa địa chỉ máy chủ).
        code: Option<String>,
        /// Tên thiết bị hiện trên máy chủ; mặc định là tên đã đặt khi thiết lập.
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Gửi các thay đổi đang chờ và nhận thay đổi mới từ máy chủ.
    Sync {
        /// Đồng bộ qua trạm chuyển tiếp của tổ trưởng (đã ghép nối bằng
        /// `relay join`) thay vì máy chủ của xã.
        #[arg(long)]
        relay: bool,
    },
    /// Trạm chuyển tiếp của tổ: máy của tổ trưởng nhận và chuyển dữ liệu của
    /// tổ viên khi không có mạng tới máy chủ của xã.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Các thay đổi không áp dụng được: bị máy chủ từ chối, hoặc chưa áp dụng được trên máy.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Tổ chức của xã: thôn/xóm, tổ, thành viên.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Hộ gia đình: thêm, liệt kê, xem, tìm, nhập từ tệp.
    #[command(subcommand)]
    Household(HouseholdCommand),
    /// Nhân khẩu của một hộ.
    #[command(subcommand)]
    Resident(ResidentCommand),
    /// Lượt thăm hộ và các nội dung hỗ trợ đã làm.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Tổ trưởng rà soát: đánh dấu "cần sửa" trên bản ghi.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Danh sách việc: hộ chưa thăm trong tháng và các hẹn quay lại sắp đến.
    Worklist {
        /// Của thành viên này: các thôn tổ của người đó phụ trách.
        #[arg(long, conflicts_with = "village")]
        member: Option<String>,
        /// Hoặc của một thôn/xóm.
        #[arg(long)]
        village: Option<String>,
        /// Ngày xem (30/12/2026 hoặc 2026-12-30); mặc định hôm nay.
        #[arg(long)]
        date: Option<String>,
        /// Hẹn quay lại trong số ngày tới này.
        #[arg(long, default_value_t = 7)]
        horizon_days: i64,
    },
    /// Kết quả tháng so với chỉ tiêu (≥10 hộ mỗi tổ viên, ≥50 lượt hỗ trợ mỗi tổ).
    Quota {
        /// Tháng, dạng NNNN-TT, ví dụ 2026-11.
        #[arg(long)]
        month: String,
        /// Chỉ của thành viên này.
        #[arg(long, conflicts_with = "team")]
        member: Option<String>,
        /// Chỉ của tổ này; mặc định mọi tổ.
        #[arg(long)]
        team: Option<String>,
    },
    /// Danh mục nội dung hỗ trợ (mã dùng trong --action).
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Tạo một xã mẫu trong tệp dữ liệu mới (để dùng thử, đo hiệu năng).
    /// Không chạy trên thiết bị đã đăng ký hoặc đã có dữ liệu.
    Demo {
        /// Số hộ.
        #[arg(long, default_value_t = 300)]
        households: usize,
        /// Số lượt hỗ trợ trong năm; mặc định khoảng 23 mỗi hộ.
        #[arg(long)]
        actions: Option<usize>,
        /// Hạt giống ngẫu nhiên: cùng số thì cùng xã mẫu.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum RelayCommand {
    /// Làm trạm chuyển tiếp cho tổ (chỉ máy của tổ trưởng): chạy đến khi
    /// dừng bằng Ctrl-C.
    Serve {
        /// Địa chỉ và cổng nghe, ví dụ 0.0.0.0:8444.
        #[arg(long)]
        bind: std::net::SocketAddr,
    },
    /// Tạo mã ghép nối một lần (hết hạn sau 15 phút) cho máy tổ viên, in ra
    /// dạng chữ và mã QR (chỉ máy của tổ trưởng).
    Pair {
        /// Địa chỉ https://ĐỊA_CHỈ:CỔNG mà máy tổ viên dùng để tới trạm;
        /// mặc định là địa chỉ trạm đang chạy.
        #[arg(long)]
        url: Option<String>,
    },
    /// Ghép nối máy này với trạm chuyển tiếp của tổ trưởng bằng mã ghép nối
    /// (`gocua-relay:v1?url=…&code=…&fp=…`).
    Join {
        /// Nội dung mã ghép nối.
        code: String,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Nạp tổ chức của xã từ tệp JSON (như máy chủ gửi).
    Import {
        /// Tệp JSON.
        file: PathBuf,
    },
    /// Xem thôn/xóm, tổ và thành viên cùng mã của họ.
    Show,
}

#[derive(Args)]
pub struct HouseholdFields {
    /// Mã thôn/xóm (xem bằng gocua org show).
    #[arg(long)]
    pub village: String,
    /// Họ tên chủ hộ.
    #[arg(long)]
    pub head: String,
    /// Địa chỉ.
    #[arg(long, default_value = "")]
    pub address: String,
    /// Số điện thoại (10 chữ số, bắt đầu bằng 0).
    #[arg(long)]
    pub phone: Option<String>,
    /// Hộ nghèo.
    #[arg(long)]
    pub poor: bool,
    /// Hộ cận nghèo.
    #[arg(long)]
    pub near_poor: bool,
    /// Hộ dân tộc thiểu số.
    #[arg(long)]
    pub ethnic_minority: bool,
    /// Hộ chỉ có người cao tuổi.
    #[arg(long)]
    pub elderly_only: bool,
    /// Hộ không có điện thoại thông minh.
    #[arg(long)]
    pub no_smartphone: bool,
}

#[derive(Subcommand)]
pub enum HouseholdCommand {
    /// Thêm một hộ; in mã hộ mới.
    Add(HouseholdFields),
    /// Liệt kê các hộ.
    List {
        /// Chỉ các hộ của thôn/xóm này.
        #[arg(long)]
        village: Option<String>,
    },
    /// Xem một hộ: nhân khẩu, việc cần làm, các lượt thăm.
    Show {
        /// Mã hộ.
        id: String,
    },
    /// Tìm hộ theo tên chủ hộ, tên nhân khẩu (gõ có dấu hoặc không dấu).
    Search {
        /// Từ cần tìm, ví dụ "nguyen van".
        query: String,
        /// Số kết quả tối đa.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Nhập nhiều hộ từ tệp JSON Lines (hoặc `-` để đọc từ stdin).
    ///
    /// Mỗi dòng là một hộ, dạng:
    ///
    ///   {"village_id":"MÃ_THÔN","head_name":"Nguyễn Thị Đào","address":"Số 5, ngõ 2",
    ///    "phone":"0912345678","flags":{"elderly_only":true,"no_smartphone":true}}
    ///
    /// village_id và head_name là bắt buộc; address, phone có thể bỏ; flags chỉ cần
    /// ghi các nhóm đúng với hộ: poor (hộ nghèo), near_poor (cận nghèo),
    /// ethnic_minority (dân tộc thiểu số), elderly_only (chỉ người cao tuổi),
    /// no_smartphone (không có điện thoại thông minh). Trường viết sai tên bị báo lỗi.
    /// Dòng trống được bỏ qua.
    ///
    /// Mỗi hộ được lưu riêng; "ok MÃ_HỘ" chỉ in ra khi hộ đã được lưu. Dòng sai
    /// không làm dừng việc nhập: mỗi dòng sai được báo (số dòng và lý do), các
    /// dòng đúng vẫn được lưu, và lệnh kết thúc với mã lỗi nếu có dòng sai.
    /// Với --json: mỗi dòng in một đối tượng {"line","id"} hoặc {"line","code","message"}.
    #[command(verbatim_doc_comment)]
    Import {
        /// Tệp JSON Lines, hoặc `-` cho stdin.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ResidentCommand {
    /// Thêm một nhân khẩu vào hộ; in mã nhân khẩu mới.
    Add {
        /// Mã hộ.
        #[arg(long)]
        household: String,
        /// Họ và tên.
        #[arg(long)]
        name: String,
        /// Năm sinh.
        #[arg(long)]
        birth_year: i32,
        /// Giới tính: male (nam), female (nữ), other (khác).
        #[arg(long, value_parser = ["male", "female", "other"])]
        sex: String,
        /// Có điện thoại thông minh.
        #[arg(long)]
        smartphone: bool,
        /// Người dân đồng ý hôm nay cho lưu thông tin của mình.
        #[arg(long)]
        consent: bool,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Ghi một lượt thăm cùng các nội dung hỗ trợ đã làm, trong một bước.
    Log {
        /// Mã hộ được thăm.
        #[arg(long)]
        household: String,
        /// Thành viên được ghi nhận (lặp lại được); người đầu tiên là người ghi.
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        /// Hình thức: door_to_door (đến tận nhà), skills_corner (góc kỹ năng số),
        /// village_meeting (họp thôn).
        #[arg(long, default_value = "door_to_door",
              value_parser = ["door_to_door", "skills_corner", "village_meeting"])]
        form: String,
        /// Kết quả: met (đã gặp), not_at_home (không có nhà), refused (từ chối).
        #[arg(long, default_value = "met", value_parser = ["met", "not_at_home", "refused"])]
        outcome: String,
        /// Ghi chú.
        #[arg(long)]
        note: Option<String>,
        /// Một nội dung hỗ trợ (lặp lại được): MÃ_NHÂN_KHẨU:MÃ_NỘI_DUNG:KẾT_QUẢ, với
        /// KẾT_QUẢ = done (đã xong) | follow_up:NGÀY (hẹn quay lại; NGÀY như
        /// 30/12/2026, 30/12, 2026-12-30, hoặc +30 = 30 ngày sau ngày thăm) |
        /// not_possible:LÝ_DO (không thực hiện được; LÝ_DO = no_smartphone,
        /// not_at_home, refused, data_mismatch, other). Mã nội dung: gocua catalogue list.
        #[arg(long = "action")]
        actions: Vec<String>,
        /// Thời điểm thăm (RFC 3339, ví dụ 2026-12-07T09:30:00+07:00); mặc định bây giờ.
        #[arg(long)]
        at: Option<String>,
    },
    /// Hủy một lượt thăm ghi nhầm.
    Void {
        /// Mã lượt thăm.
        id: String,
        /// Lý do hủy.
        #[arg(long)]
        reason: String,
        /// Mã thành viên hủy (người dùng thiết bị này).
        #[arg(long)]
        member: String,
    },
}

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Liệt kê các nội dung hỗ trợ: mã, tên, ai được hỗ trợ.
    List,
}

#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// Liệt kê, mới nhất trước, kèm lý do.
    List {
        /// Số dòng tối đa.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Thử lại một thay đổi (SỐ như trong danh sách): thay đổi bị máy chủ từ
    /// chối được đưa lại vào hàng chờ và gửi ở lần đồng bộ tới (ví dụ sau khi
    /// danh mục hay thôn/xóm trên máy chủ đã sửa); thay đổi từ máy chủ được
    /// áp dụng ngay nếu được.
    Retry {
        /// Số của thay đổi trong danh sách.
        id: i64,
    },
    /// Bỏ một thay đổi (SỐ như trong danh sách). Việc bỏ được ghi lại kèm thời
    /// điểm và ghi chú, xem bằng `quarantine discarded`; không hoàn tác gì trên máy.
    Discard {
        /// Số của thay đổi trong danh sách.
        id: i64,
        /// Vì sao bỏ.
        #[arg(long)]
        note: Option<String>,
    },
    /// Các thay đổi đã bỏ, mới nhất trước.
    Discarded {
        /// Số dòng tối đa.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// Mỗi bước được thực hiện với tư cách thành viên đã đăng ký trên máy, trừ khi
/// `--member` nói là ai.
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Liệt kê các yêu cầu sửa: đang mở trước, mới nhất trước.
    List {
        /// Chỉ các yêu cầu đang mở giao cho tôi (hoặc tổ của tôi).
        #[arg(long)]
        mine: bool,
        /// Chỉ của hộ này.
        #[arg(long)]
        household: Option<String>,
    },
    /// Đánh dấu một bản ghi "cần sửa" (tổ trưởng, cán bộ xã).
    Open {
        /// Loại bản ghi.
        #[arg(long, value_parser = ["household", "resident", "visit", "assisted_action"])]
        kind: String,
        /// Mã bản ghi.
        #[arg(long)]
        target: String,
        /// Cần sửa gì.
        #[arg(long)]
        comment: String,
        /// Mã thành viên thực hiện; mặc định người đã đăng ký trên máy.
        #[arg(long)]
        member: Option<String>,
    },
    /// Báo đã sửa xong, có thể kèm trả lời.
    Resolve {
        /// Mã yêu cầu sửa.
        id: String,
        /// Trả lời.
        #[arg(long)]
        reply: Option<String>,
        /// Mã thành viên thực hiện; mặc định người đã đăng ký trên máy.
        #[arg(long)]
        member: Option<String>,
    },
    /// Mở lại một yêu cầu đã báo sửa xong (tổ trưởng, cán bộ xã).
    Reopen {
        /// Mã yêu cầu sửa.
        id: String,
        /// Vì sao mở lại.
        #[arg(long)]
        comment: Option<String>,
        /// Mã thành viên thực hiện; mặc định người đã đăng ký trên máy.
        #[arg(long)]
        member: Option<String>,
    },
}
